// GPTQ pieces: the code grid of every block type decodes exactly as the codec does; the Cholesky factor inverts H;
// GPTQ onto a block type lowers the output error on correlated inputs below round-to-nearest and imatrix rounding.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { codecFor, quantize, dequantize } from "../../src/dtype/quants/index.js";
import type { GgmlTypeName } from "../../src/dtype/ggml.js";
import { blockGrid, nearestCode, writeCode } from "../../src/compress/grid.js";
import { inverseCholeskyUpper } from "../../src/compress/linalg.js";
import { gptqQuantize } from "../../src/compress/gptq.js";
import { Rng } from "../../src/core/rng.js";

const TYPES: GgmlTypeName[] = ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"];

function randn(n: number, rng: Rng, std = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * std);
}

describe("code grid", () => {
  for (const type of TYPES) {
    it(`${type}: codes re-written from the grid decode to the codec's values`, () => {
      const c = codecFor(type), rng = new Rng(3), x = randn(c.blockSize * 2, rng);
      const bytes = quantize(type, x, x.length), want = dequantize(type, bytes, x.length);
      const copy = bytes.slice();
      for (let b = 0; b < 2; b++) {
        const g = blockGrid(type, bytes, b * c.typeSize);
        for (let e = 0; e < c.blockSize; e++) {
          const v = want[b * c.blockSize + e]!;
          const code = nearestCode(g, e, v);
          assert.ok(Math.abs(g.v0[e]! + g.a[e]! * code - v) <= 1e-6 * (1 + Math.abs(v)), `${type} element ${e}: grid misses ${v}`);
          writeCode(type, copy, b * c.typeSize, e, (code + 1) % (g.cmax + 1)); // scramble, then restore
          writeCode(type, copy, b * c.typeSize, e, code);
        }
      }
      assert.deepEqual(dequantize(type, copy, x.length), want);
    });
  }
});

function matmulT(x: Float32Array, w: Float32Array, M: number, N: number, K: number): Float64Array {
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += x[m * K + k]! * w[n * K + k]!;
    y[m * N + n] = s;
  }
  return y;
}

describe("gptq", () => {
  it("the factor U satisfies Uᵀ U H = I (damped)", () => {
    const n = 24, rng = new Rng(1), x = randn(64 * n, rng), h = new Float64Array(n * n);
    for (let m = 0; m < 64; m++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] += x[m * n + i]! * x[m * n + j]!;
    const hd = Float64Array.from(h);
    const U = inverseCholeskyUpper(h, n, 0);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(U[i * n + j], 0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0; // (Uᵀ U H)_ij
      for (let k = 0; k < n; k++) {
        let uu = 0;
        for (let t = 0; t < n; t++) uu += U[t * n + i]! * U[t * n + k]!;
        s += uu * hd[k * n + j]!;
      }
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-8, `(${i}, ${j}) = ${s}`);
    }
  });

  for (const type of ["Q4_0", "Q4_K", "Q3_K"] as GgmlTypeName[]) {
    it(`${type}: output error on correlated inputs below RTN and imatrix rounding`, () => {
      const rng = new Rng(7), K = 256, N = 16, M = 512;
      // inputs with a few loud channels and strong correlations: x = z A with a random mixing A
      const z = randn(M * K, rng), mix = randn(K * K, rng, 1 / Math.sqrt(K)), x = new Float32Array(M * K);
      const loud = Float32Array.from({ length: K }, (_, k) => (k % 37 === 0 ? 8 : 1));
      for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) {
        let s = 0.3 * z[m * K + k]!;
        for (let t = 0; t < 8; t++) s += z[m * K + ((k + t * 61) % K)]! * mix[k * K + t]! * 4;
        x[m * K + k] = s * loud[k]!;
      }
      const w = randn(N * K, rng, 0.05), h = new Float64Array(K * K), imp = new Float32Array(K);
      for (let m = 0; m < M; m++) for (let i = 0; i < K; i++) {
        const xi = x[m * K + i]!;
        imp[i] += xi * xi;
        for (let j = 0; j < K; j++) h[i * K + j] += xi * x[m * K + j]!;
      }
      const ref = matmulT(x, w, M, N, K);
      const err = (bytes: Uint8Array) => {
        const y = matmulT(x, dequantize(type, bytes, N * K), M, N, K);
        let e = 0;
        for (let i = 0; i < y.length; i++) e += (y[i]! - ref[i]!) ** 2;
        return e;
      };
      const rtn = err(quantize(type, w, K)), weighted = err(quantize(type, w, K, imp));
      const g = err(gptqQuantize(type, w, N, K, inverseCholeskyUpper(h, K, 0.01), imp).bytes);
      if (process.env.WEFT_DEBUG) console.log(type, g, weighted, rtn);
      assert.ok(g < weighted && g < rtn, `${type}: gptq ${g.toExponential(3)} vs imatrix ${weighted.toExponential(3)} vs rtn ${rtn.toExponential(3)}`);
      assert.ok(g < 0.8 * rtn, `${type}: gptq ${g} should clearly beat rtn ${rtn}`);
    });
  }
});
