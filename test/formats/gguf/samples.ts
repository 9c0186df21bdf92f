// Sample GGUF inputs for tests and the fuzzer: a small model-like file with every value type, and GgufFile -> GgufToWrite.
import type { GgufFile, GgufToWrite, GgufTypeSpec, GgufValue } from "../../../src/formats/gguf/index.js";

function bytesOf(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

/** A small valid file: llama-ish metadata (tokens with multi-byte UTF-8, scores, special ids) and 3 tensors. */
export function sampleGguf(): GgufToWrite {
  const tokens = ["<unk>", "<s>", "</s>", "a", "b", "é", "日本", "🙂", " the", "\u0000x", ""];
  const metadata = new Map<string, GgufValue>([
    ["general.architecture", "llama"],
    ["general.name", "sample ✓"],
    ["llama.block_count", 2],
    ["llama.embedding_length", 8],
    ["llama.attention.layer_norm_rms_epsilon", Math.fround(1e-5)], // f32: exact after a round trip
    ["tokenizer.ggml.model", "llama"],
    ["tokenizer.ggml.tokens", tokens],
    ["tokenizer.ggml.scores", Float32Array.from(tokens, (_, i) => -i / 4)],
    ["tokenizer.ggml.token_type", Int32Array.from(tokens, (_, i) => (i < 3 ? 3 : 1))],
    ["tokenizer.ggml.bos_token_id", 1],
    ["tokenizer.ggml.eos_token_id", 2],
    ["tokenizer.ggml.padding_token_id", 4294967295],
    ["tokenizer.ggml.add_bos_token", true],
    ["x.u64big", (1n << 60n) + 1n],
    ["x.i64", -5],
    ["x.f64", Math.PI],
    ["x.i8", -3],
    ["x.u16arr", Uint16Array.from([1, 65535])],
    ["x.boolarr", [true, false, true]],
    ["x.bigarr", [1n, 1n << 62n]],
    ["x.smallarr", [1, 2]],
  ]);
  const metadataTypes = new Map<string, GgufTypeSpec>([
    ["x.i64", { type: "i64" }], ["x.f64", { type: "f64" }], ["x.i8", { type: "i8" }],
    ["x.bigarr", { type: "array", itemType: "u64" }], ["x.smallarr", { type: "array", itemType: "i64" }],
  ]);
  return {
    metadata,
    metadataTypes,
    tensors: [
      { name: "token_embd.weight", shape: [8, 11], type: "F16", data: bytesOf(8 * 11 * 2, 1) },
      { name: "blk.0.attn_q.weight", shape: [32, 2], type: "Q8_0", data: bytesOf(2 * 34, 2) },
      { name: "blk.1.ffn_norm.weight", shape: [3], type: "F32", data: bytesOf(12, 3) },
    ],
  };
}

/** The GgufToWrite that writes a parsed file back (same metadata, types, tensors, version, alignment). */
export function toWrite(g: GgufFile): GgufToWrite {
  return {
    metadata: g.metadata,
    metadataTypes: g.metadataTypes,
    version: g.version as 2 | 3,
    alignment: g.alignment,
    tensors: g.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type.name, data: g.tensorData(t.name) })),
  };
}
