// Real GGUF files (llama.cpp / gguf-py written) parse, validate, expose tensor data without copies, and round trip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getNumber, getString, getStringArray, readGgufFile, serializeGguf, validateGgufModel } from "../../../src/formats/gguf/index.js";
import { fixturePath, missingFixture } from "../../helpers/fixtures.js";
import { toWrite } from "./samples.js";

const FILES = [
  "models/stories260K/stories260K.gguf",
  "models/stories260K/quantized/stories260K-F16.gguf",
  "models/stories260K/quantized/stories260K-Q8_0.gguf",
  "models/stories260K/quantized/stories260K-Q4_0.gguf",
  "models/stories260K/quantized/stories260K-Q4_K_M-fallback.gguf",
  "models/synthetic/moe-tiny/moe-tiny.gguf",
  "tokenizers/llama.cpp-vocab/ggml-vocab-bert-bge.gguf",
  "tokenizers/llama.cpp-vocab/ggml-vocab-falcon.gguf",
  "tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf",
  "tokenizers/llama.cpp-vocab/ggml-vocab-gpt-neox.gguf",
  "tokenizers/llama.cpp-vocab/ggml-vocab-mpt.gguf",
  "tokenizers/llama.cpp-vocab/ggml-vocab-phi-3.gguf",
];

for (const rel of FILES) {
  test(`gguf fixture ${rel}: parses, validates, round trips byte-identically`, (t) => {
    const path = fixturePath(rel);
    if (!path) return t.skip(missingFixture(rel));
    const g = readGgufFile(path);
    assert.equal(g.version, 3);
    validateGgufModel(g);
    for (const info of g.tensors) {
      const d = g.tensorData(info.name);
      assert.equal(d.buffer, g.bytes.buffer, "tensor data is a view of the file buffer");
      assert.equal(d.byteOffset, g.bytes.byteOffset + info.offset);
      assert.equal(d.length, info.nbytes);
    }
    const again = serializeGguf(toWrite(g));
    assert.ok(Buffer.from(again).equals(g.bytes), "serialize(parse(file)) equals the file");
  });
}

test("gguf fixture stories260K header values", (t) => {
  const rel = "models/stories260K/stories260K.gguf";
  const path = fixturePath(rel);
  if (!path) return t.skip(missingFixture(rel));
  const g = readGgufFile(path);
  assert.equal(g.metadata.size, 19);
  assert.equal(g.tensors.length, 48);
  assert.equal(getString(g, "general.architecture"), "llama");
  assert.equal(getNumber(g, "llama.block_count"), 5);
  assert.deepEqual(getStringArray(g, "tokenizer.ggml.tokens").slice(0, 3), ["<unk>", "<s>", "</s>"]);
  assert.equal(g.metadata.get("tokenizer.ggml.seperator_token_id"), 4294967295);
  const emb = g.tensorsByName.get("token_embd.weight")!;
  assert.deepEqual(emb.shape, [64, 512]);
  assert.equal(emb.type.name, "F32");
  assert.equal(emb.nbytes, 64 * 512 * 4);
  assert.deepEqual(g.tensorsByName.get("blk.4.ffn_down.weight")!.shape, [172, 64]);
});

test("gguf fixture Q8_0 and Q4_0 tensors have quantised types and sizes", (t) => {
  const rel = "models/stories260K/quantized/stories260K-Q8_0.gguf";
  const path = fixturePath(rel);
  if (!path) return t.skip(missingFixture(rel));
  const g = readGgufFile(path);
  const q = g.tensorsByName.get("blk.0.attn_q.weight")!;
  assert.equal(q.type.name, "Q8_0");
  assert.equal(q.nbytes, (64 / 32) * 34 * 64);
  assert.equal(g.tensorsByName.get("blk.0.ffn_down.weight")!.type.name, "F16");
});
