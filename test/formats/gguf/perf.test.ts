// GGUF reader performance properties: big vocabularies parse fast; tensor data is never copied.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GgufValue, parseGguf, serializeGguf } from "../../../src/formats/gguf/index.js";

test("gguf parses a 150,000-string token array in well under a second", () => {
  const tokens = Array.from({ length: 150_000 }, (_, i) => (i % 7 === 0 ? `▁wörd${i}` : i % 11 === 0 ? `日本${i}` : `tok${i}`));
  const metadata = new Map<string, GgufValue>([
    ["general.architecture", "llama"],
    ["tokenizer.ggml.tokens", tokens],
    ["tokenizer.ggml.scores", new Float32Array(tokens.length)],
  ]);
  const t0 = performance.now();
  const bytes = serializeGguf({ metadata, tensors: [] });
  const t1 = performance.now();
  let best = Infinity;
  let g = parseGguf(bytes);
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    g = parseGguf(bytes);
    best = Math.min(best, performance.now() - s);
  }
  console.log(`gguf 150k tokens (${bytes.length} bytes): serialize ${(t1 - t0).toFixed(0)} ms, parse best of 3 ${best.toFixed(0)} ms`);
  assert.deepEqual(g.metadata.get("tokenizer.ggml.tokens"), tokens);
  assert.ok(best < 1000, `parse took ${best} ms`);
});

test("gguf tensor data is a view of the input buffer (no copy), whatever the tensor size", () => {
  const n = 8 << 20; // 8 Mi f32 = 32 MiB
  const data = new Uint8Array(n * 4);
  data[0] = 1;
  data[data.length - 1] = 2;
  const bytes = serializeGguf({ metadata: new Map([["general.architecture", "llama"]]), tensors: [
    { name: "big", shape: [n], type: "F32", data },
    { name: "small", shape: [4], type: "F32", data: new Uint8Array(16) },
  ] });
  const t0 = performance.now();
  const g = parseGguf(bytes);
  const ms = performance.now() - t0;
  const d = g.tensorData("big");
  assert.equal(d.buffer, bytes.buffer);
  assert.equal(d.byteOffset, g.tensorsByName.get("big")!.offset);
  assert.equal(d[0], 1);
  assert.equal(d[d.length - 1], 2);
  console.log(`gguf parse of a ${(bytes.length / 2 ** 20).toFixed(0)} MiB file: ${ms.toFixed(2)} ms`);
  assert.ok(ms < 250, `parse took ${ms} ms: tensor bytes must not be touched`);
});
