// Native vs reference parity for matmul (all transposes, batch strides, accumulate) and linear (F32/F16/BF16
// weights natively, GGUF block types through the fallback). Tolerance: NMSE <= 1e-7 for every weight type,
// since f16/bf16 -> f32 widening is exact and both sides multiply the same decoded weights in f32 or better.
import assert from "node:assert/strict";
import type { MatmulParams } from "../../src/backend/contract.js";
import type { GgmlTypeName } from "../../src/dtype/ggml.js";
import { f32ArrayToBf16, f32ArrayToF16 } from "../../src/dtype/half.js";
import { quantize } from "../../src/dtype/quants/index.js";
import { supportsLinear } from "../../src/backend/native/index.js";
import { close, forEachPair, randArray, type Pair } from "./native-pairs.js";

const DIMS = [1, 7, 31, 32, 33, 65, 127];

function params(M: number, N: number, K: number, transA: boolean, transB: boolean, extra: Partial<MatmulParams> = {}):
  MatmulParams {
  return { batch: 1, M, N, K, transA, transB, strideA: M * K, strideB: K * N, strideC: M * N, accumulate: false, ...extra };
}

function runMatmul(p: Pair, P: MatmulParams, seed: number): void {
  const lenA = (P.batch - 1) * P.strideA + P.M * P.K, lenB = (P.batch - 1) * P.strideB + P.K * P.N;
  const lenC = (P.batch - 1) * P.strideC + P.M * P.N;
  const a = randArray(lenA, seed), b = randArray(lenB, seed + 1);
  const got = randArray(lenC, seed + 2), want = got.slice();
  p.test.matmul(a, b, got, P);
  p.expected.matmul(a, b, want, P);
  const tag = `matmul b${P.batch} ${P.M}x${P.N}x${P.K} tA=${P.transA} tB=${P.transB} acc=${P.accumulate} ` +
    `strides ${P.strideA}/${P.strideB}/${P.strideC}`;
  close(got, want, tag);
}

const TRANS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

forEachPair("matmul M,N,K in {1,7,31,32,33,65,127}, every transpose", (p) => {
  let seed = 1;
  for (const [tA, tB] of TRANS)
    for (const M of DIMS) for (const N of DIMS) for (const K of DIMS) runMatmul(p, params(M, N, K, tA, tB), seed++);
});

forEachPair("matmul odd and blocked shapes (257x129x513, direct/packed boundary, several KC/NC blocks)", (p) => {
  let seed = 100;
  for (const [tA, tB] of TRANS) {
    runMatmul(p, params(257, 129, 513, tA, tB), seed++);
    runMatmul(p, params(16, 300, 70, tA, tB), seed++);
    runMatmul(p, params(17, 300, 70, tA, tB), seed++);
    runMatmul(p, params(12, 200, 45, tA, tB, { accumulate: true }), seed++);
    runMatmul(p, params(40, 1030, 600, tA, tB, { accumulate: true }), seed++);
  }
  runMatmul(p, params(4096, 1, 7, false, false), seed++);
  runMatmul(p, params(1, 4096, 7, false, true), seed++);
  runMatmul(p, params(3, 5, 4096, true, false), seed++);
  runMatmul(p, params(5, 3, 0, false, false), seed++);
});

forEachPair("matmul batches: strides 0 and non-zero, accumulate", (p) => {
  let seed = 200;
  for (const [tA, tB] of TRANS) {
    const M = 33, N = 31, K = 65;
    runMatmul(p, params(M, N, K, tA, tB, { batch: 3 }), seed++);
    runMatmul(p, params(M, N, K, tA, tB, { batch: 3, strideA: 0, accumulate: true }), seed++);
    runMatmul(p, params(M, N, K, tA, tB, { batch: 4, strideB: 0 }), seed++);
    runMatmul(p, params(M, N, K, tA, tB, { batch: 3, strideC: 0, accumulate: true }), seed++);
    runMatmul(p, params(7, 9, 5, tA, tB, { batch: 9, strideA: 7 * 5 + 3, strideB: 0, strideC: 7 * 9 + 1 }), seed++);
    runMatmul(p, params(2, 64, 48, tA, tB, { batch: 6, accumulate: true }), seed++);
  }
});

function weightBytes(w: Float32Array, type: GgmlTypeName, K: number): Uint8Array {
  if (type === "F32") return new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  if (type === "F16") return new Uint8Array(f32ArrayToF16(w).buffer);
  if (type === "BF16") return new Uint8Array(f32ArrayToBf16(w).buffer);
  return quantize(type, w, K);
}

function runLinear(p: Pair, type: GgmlTypeName, M: number, N: number, K: number, seed: number): void {
  const x = randArray(M * K, seed), w = randArray(N * K, seed + 1);
  const bytes = weightBytes(w, type, K);
  const got = new Float32Array(M * N).fill(NaN), want = new Float32Array(M * N);
  p.test.linear(x, bytes, type, got, M, N, K);
  p.expected.linear(x, bytes, type, want, M, N, K);
  close(got, want, `linear ${type} ${M}x${N}x${K}`);
}

forEachPair("linear F32/F16/BF16 weights, decode and prefill shapes", (p) => {
  let seed = 300;
  for (const type of ["F32", "F16", "BF16"] as const) {
    for (const M of [1, 3, 9, 16, 17, 40])
      for (const N of [1, 7, 33, 100])
        for (const K of [1, 7, 31, 32, 33, 257]) runLinear(p, type, M, N, K, seed++);
    runLinear(p, type, 1, 9, 4096, seed++);
    runLinear(p, type, 2, 5, 4096, seed++);
    runLinear(p, type, 65, 40, 300, seed++);
  }
});

forEachPair("linear over a weight type the addon lacks goes to the fallback (reference) kernel", (p) => {
  assert.equal(supportsLinear("F16"), true);
  const lacking = (["Q8_1", "Q8_K", "Q4_K", "Q8_0"] as GgmlTypeName[]).filter((t) => !supportsLinear(t));
  for (const [i, type] of lacking.entries()) runLinear(p, type, 3, 5, 256, 400 + i);
});
