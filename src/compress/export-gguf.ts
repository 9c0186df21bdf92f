// Write a model (config + named f32 tensors) as a GGUF that llama.cpp loads: metadata, vocabulary, quantised tensors.
import type { GgmlTypeName } from "../dtype/ggml.js";
import { ggmlType } from "../dtype/ggml.js";
import { quantize } from "../dtype/quants/index.js";
import { writeGgufFile, type GgufTensorToWrite, type GgufValue } from "../formats/gguf/index.js";
import type { ModelConfig } from "../models/config.js";
import type { NamedArray } from "../models/random.js";
import { expertFfnDim, isMoe } from "../models/moe.js";
import { log } from "../util/log.js";

export interface ExportOptions {
  /** Type for 2-D weights (norms and biases stay F32). */
  type: GgmlTypeName;
  /** tokenizer.ggml.* metadata; default: a synthetic SentencePiece vocabulary of config.vocabSize tokens. */
  vocab?: Map<string, GgufValue>;
  name?: string;
}

/** A llama-style SentencePiece vocabulary: <unk>, <s>, </s>, 256 byte tokens, the word boundary "▁", then filler
 *  pieces. Text encodes to bytes plus "▁" and decodes back exactly. */
export function syntheticVocab(V: number): Map<string, GgufValue> {
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [2, 3, 3];
  for (let b = 0; b < 256 && tokens.length < V; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  if (tokens.length < V) {
    tokens.push("\u2581");
    types.push(1);
  }
  while (tokens.length < V) {
    tokens.push(`\u2581w${tokens.length}`);
    types.push(1);
  }
  return new Map<string, GgufValue>([
    ["tokenizer.ggml.model", "llama"],
    ["tokenizer.ggml.tokens", tokens],
    ["tokenizer.ggml.scores", new Float32Array(V).map((_, i) => -i)],
    ["tokenizer.ggml.token_type", Int32Array.from(types)],
    ["tokenizer.ggml.bos_token_id", 1],
    ["tokenizer.ggml.eos_token_id", 2],
    ["tokenizer.ggml.unknown_token_id", 0],
    ["tokenizer.ggml.add_bos_token", true],
  ]);
}

export function archMetadata(c: ModelConfig, name: string): Map<string, GgufValue> {
  const a = c.arch;
  const m = new Map<string, GgufValue>([
    ["general.architecture", a],
    ["general.name", name],
    [`${a}.context_length`, c.contextLength],
    [`${a}.embedding_length`, c.dim],
    [`${a}.block_count`, c.nLayer],
    [`${a}.feed_forward_length`, c.ffnDim],
    [`${a}.attention.head_count`, c.nHead],
  ]);
  if (a === "gpt2") {
    m.set(`${a}.attention.layer_norm_epsilon`, c.normEps);
    return m;
  }
  m.set(`${a}.attention.head_count_kv`, c.nHeadKv);
  m.set(`${a}.attention.layer_norm_rms_epsilon`, c.normEps);
  m.set(`${a}.rope.freq_base`, c.ropeBase);
  m.set(`${a}.rope.dimension_count`, c.nRot);
  const rs = c.ropeScaling;
  if (rs.type === "linear" || rs.type === "yarn") {
    m.set(`${a}.rope.scaling.type`, rs.type);
    m.set(`${a}.rope.scaling.factor`, rs.factor);
    if (rs.originalContext > 0) m.set(`${a}.rope.scaling.original_context_length`, rs.originalContext);
  }
  if (c.headDim !== c.dim / c.nHead) {
    m.set(`${a}.attention.key_length`, c.headDim);
    m.set(`${a}.attention.value_length`, c.headDim);
  }
  if (isMoe(c)) expertMetadata(c, m);
  return m;
}

/** Expert keys as llama.cpp reads them: llama (Mixtral) experts use feed_forward_length, qwen2moe the expert keys. */
function expertMetadata(c: ModelConfig, m: Map<string, GgufValue>): void {
  const a = c.arch, qwen = a === "qwen2moe";
  m.set(`${a}.expert_count`, c.nExpert!);
  m.set(`${a}.expert_used_count`, c.nExpertUsed!);
  m.set(`${a}.expert_feed_forward_length`, expertFfnDim(c));
  if (qwen) m.set(`${a}.expert_shared_feed_forward_length`, c.sharedExpertFfnDim ?? 0);
  else m.set(`${a}.feed_forward_length`, expertFfnDim(c));
  const norm = c.normTopK ?? !qwen;
  if (norm === qwen) m.set(`${a}.expert_weights_norm`, norm);
  if (c.routerGating === "sigmoid") m.set(`${a}.expert_gating_func`, 2);
  if (norm === qwen || c.routerGating === "sigmoid" || (!qwen && (c.sharedExpertFfnDim ?? 0) > 0)) {
    log.warn(`${a} MoE with ${c.routerGating ?? "softmax"} gating, normTopK ${norm}, shared expert ${c.sharedExpertFfnDim ?? 0}: ` +
      "weft reads this back, but llama.cpp runs this architecture with its fixed routing and ignores the difference");
  }
}

/** The type a matrix gets: `want`, or the nearest that fits its row length (as llama.cpp falls back). */
export function typeForRow(want: GgmlTypeName, K: number): GgmlTypeName {
  if (K % ggmlType(want).blockSize === 0) return want;
  const fallbacks: GgmlTypeName[] = ["Q5_0", "Q8_0", "F16"];
  return fallbacks.find((t) => ggmlType(want).blockSize !== 32 && K % ggmlType(t).blockSize === 0) ?? "F16";
}

export function tensorsToGguf(weights: Map<string, NamedArray>, type: GgmlTypeName): GgufTensorToWrite[] {
  return [...weights].map(([name, t]) => {
    const K = t.shape[t.shape.length - 1]!;
    // routers stay F32, as llama.cpp's quantiser leaves them (expert choice is sensitive to their rounding)
    const tt: GgmlTypeName = t.shape.length === 1 || name.includes("ffn_gate_inp") ? "F32" : typeForRow(type, K);
    return { name, shape: [...t.shape].reverse(), type: tt, data: quantize(tt, t.data, K) };
  });
}

export function exportGguf(path: string, config: ModelConfig, weights: Map<string, NamedArray>, opts: ExportOptions): void {
  const metadata = archMetadata(config, opts.name ?? "weft-model");
  for (const [k, v] of opts.vocab ?? syntheticVocab(config.vocabSize)) metadata.set(k, v);
  // floats that happen to be whole numbers (rope.freq_base = 10000) must still be written as f32
  const floatKeys = [...metadata.keys()].filter((k) => /(epsilon|freq_base|scaling\.factor)$/.test(k));
  const metadataTypes = new Map(floatKeys.map((k) => [k, { type: "f32" as const }]));
  const tensors = tensorsToGguf(weights, opts.type);
  // llama 3.1-style per-frequency divisors travel as a constant tensor, as llama.cpp's converter writes them
  if (config.ropeFreqFactors) {
    const f = config.ropeFreqFactors;
    tensors.push({ name: "rope_freqs.weight", shape: [f.length], type: "F32", data: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) });
  }
  writeGgufFile(path, { metadata, metadataTypes, tensors });
}
