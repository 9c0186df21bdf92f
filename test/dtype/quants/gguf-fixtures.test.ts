// Real files: quantising stories260K's F32 tensors reproduces the tensors llama.cpp's tools wrote
// (gguf-py for Q8_0/Q4_0, llama-quantize for the Q5_0/Q8_0 "Q4_K_M-fallback" and F16), byte for byte,
// and dequantising them gives the exact sample values recorded in stories260K-quant-greedy.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readGgufFile } from "../../../src/formats/gguf/index.js";
import { dequantize, quantize } from "../../../src/dtype/quants/index.js";
import type { GgmlTypeName } from "../../../src/dtype/ggml.js";
import { fixturePath, missingFixture } from "../../helpers/fixtures.js";

const DIR = "models/stories260K/";
const SOURCE = `${DIR}stories260K.gguf`;
const VARIANTS = {
  Q8_0: "quantized/stories260K-Q8_0.gguf",
  Q4_0: "quantized/stories260K-Q4_0.gguf",
  Q4_K_M: "quantized/stories260K-Q4_K_M-fallback.gguf",
  F16: "quantized/stories260K-F16.gguf",
} as const;

/** A copy of a tensor's bytes as f32 (the view into the file may be unaligned). */
function f32Copy(bytes: Uint8Array): Float32Array {
  return new Float32Array(new Uint8Array(bytes).buffer);
}

for (const [variant, rel] of Object.entries(VARIANTS)) {
  test(`stories260K ${variant}: every tensor re-quantised from F32 matches the file byte for byte`, (t) => {
    const srcPath = fixturePath(SOURCE);
    const path = fixturePath(DIR + rel);
    if (srcPath === null || path === null) return t.skip(missingFixture(srcPath === null ? SOURCE : DIR + rel));
    const src = readGgufFile(srcPath);
    const file = readGgufFile(path);
    const seen = new Set<string>();
    for (const info of file.tensors) {
      const x = f32Copy(src.tensorData(info.name));
      const mine = quantize(info.type.name, x, info.shape[0]!);
      const theirs = file.tensorData(info.name);
      assert.equal(mine.length, theirs.length, info.name);
      const at = mine.findIndex((v, i) => v !== theirs[i]);
      assert.equal(at, -1, `${info.name} (${info.type.name}) differs first at byte ${at}`);
      seen.add(info.type.name);
    }
    t.diagnostic(`types checked: ${[...seen].sort().join(", ")}`);
  });
}

interface Sample { ggml_type: GgmlTypeName; row0_first16: number[] }

test("stories260K: dequantised samples equal the recorded exact values", (t) => {
  const goldenRel = `${DIR}quantized/stories260K-quant-greedy.json`;
  const golden = fixturePath(goldenRel);
  if (golden === null) return t.skip(missingFixture(goldenRel));
  const json = JSON.parse(readFileSync(golden, "utf8")) as {
    variants: Record<string, { file: string; dequant_samples: Record<string, Sample> }>;
  };
  for (const [variant, v] of Object.entries(json.variants)) {
    const rel = variant === "F32" ? SOURCE : DIR + (VARIANTS as Record<string, string>)[variant];
    const path = fixturePath(rel);
    if (path === null) return t.skip(missingFixture(rel));
    const file = readGgufFile(path);
    for (const [name, sample] of Object.entries(v.dequant_samples)) {
      const info = file.tensorsByName.get(name)!;
      assert.equal(info.type.name, sample.ggml_type, `${variant} ${name}`);
      const rowBytes = (info.shape[0]! / info.type.blockSize) * info.type.typeSize;
      const row = dequantize(info.type.name, file.tensorData(name).subarray(0, rowBytes), info.shape[0]!);
      const want = sample.row0_first16.map(Math.fround);
      assert.deepEqual([...row.subarray(0, 16)], want, `${variant} ${name}`);
    }
  }
});
