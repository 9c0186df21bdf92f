// Quantise -> dequantise round trips for every codec: error bounds, zero and constant rows, bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CODEC_TYPES, codecFor, dequantize, hasCodec, quantize } from "../../../src/dtype/quants/index.js";
import type { GgmlTypeName } from "../../../src/dtype/ggml.js";
import { ShapeError, UnsupportedError, ValueError } from "../../../src/util/errors.js";
import { gaussianRow, lcg, relRms, weightedRelRms } from "./helpers.js";

/** Round-trip error bound relative to the data RMS, on N(0, 0.02²) data. Measured (this data):
 *  F16 0.021%, BF16 0.17%, Q8_0/Q8_1 0.54%, Q8_K 0.70%, Q6_K 1.74%, Q5_K 3.48%, Q5_1 3.78%, Q5_0 4.27%,
 *  Q4_K 7.05%, Q4_1 7.82%, Q4_0 8.58%, Q3_K 14.5%, Q2_K 26.8%. Bounds leave ~10% headroom. */
const BOUND: Record<string, number> = {
  F32: 0, F16: 0.0003, BF16: 0.002, Q8_0: 0.006, Q8_1: 0.006, Q8_K: 0.008, Q6_K: 0.02, Q5_K: 0.038, Q5_1: 0.042,
  Q5_0: 0.047, Q4_K: 0.078, Q4_1: 0.086, Q4_0: 0.095, Q3_K: 0.16, Q2_K: 0.295,
};

const ROW = 4096;
const DATA = gaussianRow(16 * ROW, 11, 0.02);

function roundTrip(type: GgmlTypeName, x: Float32Array, rowLength = x.length): Float32Array {
  return dequantize(type, quantize(type, x, rowLength), x.length);
}

test("every codec is registered with the table's block geometry", () => {
  assert.deepEqual([...CODEC_TYPES].sort(), Object.keys(BOUND).sort());
  for (const t of CODEC_TYPES) {
    const c = codecFor(t);
    assert.equal(c.type, t);
    assert.ok(hasCodec(t));
  }
  assert.throws(() => codecFor("I32"), UnsupportedError);
  assert.throws(() => codecFor("F64"), /no quantise\/dequantise codec for tensor type F64/);
});

for (const type of CODEC_TYPES) {
  test(`${type}: round-trip error within ${(BOUND[type]! * 100).toFixed(2)}% of the data RMS`, () => {
    const err = relRms(DATA, roundTrip(type, DATA, ROW));
    assert.ok(err <= BOUND[type]!, `${type} relative RMS error ${(err * 100).toFixed(3)}%`);
  });

  test(`${type}: all-zero rows come back as zeros; constant rows come back within f16 precision`, () => {
    const c = codecFor(type);
    const n = c.blockSize === 1 ? 64 : 2 * c.blockSize;
    assert.ok(roundTrip(type, new Float32Array(n)).every((v) => v === 0));
    for (const k of [0.37, -1.25, 3e-3]) {
      const y = roundTrip(type, new Float32Array(n).fill(k));
      const tol = type === "BF16" ? 4e-3 : 1.2e-3;
      for (let i = 0; i < n; i++) assert.ok(Math.abs(y[i]! - k) <= tol * Math.abs(k), `${type} const ${k}: y[${i}] = ${y[i]}`);
    }
  });

  test(`${type}: quantize() over many rows equals row by row, and is deterministic`, () => {
    const c = codecFor(type);
    const len = c.blockSize === 1 ? 7 : 3 * c.blockSize;
    const x = gaussianRow(5 * len, 5, 1);
    const all = quantize(type, x, len);
    const rowBytes = (len / c.blockSize) * c.typeSize;
    assert.equal(all.length, 5 * rowBytes);
    for (let r = 0; r < 5; r++) {
      const one = new Uint8Array(rowBytes);
      c.quantizeRow(x.subarray(r * len, (r + 1) * len), one);
      assert.deepEqual(one, all.subarray(r * rowBytes, (r + 1) * rowBytes));
    }
    assert.deepEqual(quantize(type, x, len), all);
  });
}

const BLOCK_TYPES = CODEC_TYPES.filter((t) => codecFor(t).blockSize > 1);

for (const type of BLOCK_TYPES) {
  test(`${type}: NaN, Infinity and bad lengths are typed errors`, () => {
    const c = codecFor(type);
    const dst = new Uint8Array(c.typeSize);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const x = gaussianRow(c.blockSize, 3);
      x[c.blockSize - 3] = bad;
      assert.throws(() => c.quantizeRow(x, dst), (e: unknown) =>
        e instanceof ValueError && e.message.includes(`element ${c.blockSize - 3} is ${bad}`));
    }
    assert.throws(() => c.quantizeRow(new Float32Array(c.blockSize + 1), dst), ShapeError);
    assert.throws(() => c.quantizeRow(new Float32Array(c.blockSize), new Uint8Array(c.typeSize + 1)), ShapeError);
    assert.throws(() => c.dequantizeRow(new Uint8Array(c.typeSize - 1), new Float32Array(c.blockSize)), ShapeError);
    assert.throws(() => quantize(type, new Float32Array(c.blockSize * 3), c.blockSize * 2), ShapeError);
    assert.throws(() => dequantize(type, new Uint8Array(c.typeSize), 2 * c.blockSize), ShapeError);
  });
}

test("plain types store NaN and Infinity as they are", () => {
  const x = new Float32Array([NaN, Infinity, -Infinity, 1.5]);
  for (const t of ["F32", "F16", "BF16"] as const) {
    const y = roundTrip(t, x);
    assert.ok(Number.isNaN(y[0]));
    assert.deepEqual([...y.subarray(1)], [Infinity, -Infinity, 1.5]);
  }
});

test("K-quants beat the legacy formats of the same bit width on Gaussian data", () => {
  const pairs: [GgmlTypeName, GgmlTypeName][] = [["Q4_K", "Q4_1"], ["Q5_K", "Q5_1"]];
  for (const [k, legacy] of pairs) {
    const ek = relRms(DATA, roundTrip(k, DATA, ROW));
    const el = relRms(DATA, roundTrip(legacy, DATA, ROW));
    assert.ok(ek < el, `${k} ${ek} vs ${legacy} ${el}`);
  }
});

const WEIGHTED = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"] as const;

test("importance-weighted quantisation lowers the importance-weighted error", () => {
  const r = lcg(21);
  const imp = new Float32Array(ROW);
  for (let i = 0; i < ROW; i++) imp[i] = r() < 0.1 ? 20 + 80 * r() : r();
  const x = DATA.subarray(0, 4 * ROW);
  for (const t of WEIGHTED) {
    const plain = weightedRelRms(x, roundTrip(t, x, ROW), imp);
    const weighted = weightedRelRms(x, dequantize(t, quantize(t, x, ROW, imp), x.length), imp);
    assert.ok(weighted < plain * 0.97, `${t}: weighted ${weighted} vs plain ${plain}`);
  }
});

test("importance must be finite, non-negative and one weight per element", () => {
  for (const t of WEIGHTED) {
    const c = codecFor(t);
    const x = gaussianRow(c.blockSize, 4);
    const dst = new Uint8Array(c.typeSize);
    const imp = new Float32Array(c.blockSize).fill(1);
    imp[5] = -1;
    assert.throws(() => c.quantizeRow(x, dst, imp), /importance 5 is -1/);
    imp[5] = NaN;
    assert.throws(() => c.quantizeRow(x, dst, imp), ValueError);
    assert.throws(() => c.quantizeRow(x, dst, new Float32Array(c.blockSize - 1)), ShapeError);
    // all-zero importance still gives a sane block
    c.quantizeRow(x, dst, new Float32Array(c.blockSize));
    const y = new Float32Array(c.blockSize);
    c.dequantizeRow(dst, y);
    assert.ok(y.every(Number.isFinite));
    assert.ok(relRms(x, y) < 0.5, `${t} with zero importance: ${relRms(x, y)}`);
  }
});

test("plain and block codecs read unaligned byte views (as GGUF tensor data can be)", () => {
  for (const t of ["F32", "F16", "BF16", "Q8_0", "Q4_K"] as const) {
    const c = codecFor(t);
    const n = c.blockSize === 1 ? 5 : c.blockSize;
    const x = gaussianRow(n, 8);
    const bytes = quantize(t, x, n);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    assert.deepEqual(dequantize(t, shifted, n), dequantize(t, bytes, n));
  }
});
