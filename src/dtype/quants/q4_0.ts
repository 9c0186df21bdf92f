// Q4_0 and Q4_1: 32 four-bit values per block, element j in the low nibble of qs[j], j+16 in the high one.
//
// block_q4_0 (18 bytes): d f16 | qs[16]            x = d · (q − 8)
// block_q4_1 (20 bytes): d f16 | m f16 | qs[16]    x = d · q + m
// Without importance the quantisers are ggml's quantize_row_q4_0_ref / _q4_1_ref bit for bit, with the
// rounding gguf-py uses: Q4_0 takes d = max/−8 (max = the element of largest magnitude, first one on ties)
// and q = trunc(x·(1/d) + 8.5) where x·(1/d) + 8.5 is rounded once (as an FMA would), Q4_1 takes
// d = (max − min)/15 and q = trunc((x − min)·(1/d) + 0.5) in f32 steps. With importance, a weighted scale
// search (fitScale / fitAffine) replaces the max-based scale, as ggml's imatrix quantisers do.
import {
  assertFinite, assertImportance, dequantBlocks, f16Lut, quantBlocks, roundEven, writeF16, writeF16Bits,
  type BlockCodec,
} from "./common.js";
import { fitAffine, fitScale, importanceWeights, meanSquare, pickF16Scale } from "./search.js";

const QK = 32;
const fround = Math.fround;
const W = new Float64Array(QK);
const L = new Int32Array(QK);

/** The element of largest magnitude in src[x0 .. x0+n) (the first one on ties), with its sign. */
export function signedAbsMax(src: Float32Array, x0: number, n: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < n; j++) {
    const v = src[x0 + j]!;
    if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
  }
  return max;
}

/** ggml's symmetric reference level: trunc(x·id + bias) with one rounding to f32, clamped to [0, top]. */
export function refLevel(x: number, id: number, bias: number, top: number): number {
  const v = Math.trunc(fround(x * id + bias));
  return v > top ? top : v > 0 ? v : 0;
}

/** ggml's min-based reference level: trunc(((x − min)·id) + 0.5) in f32 steps, clamped to [0, top]. */
export function refLevelMin(x: number, min: number, id: number, top: number): number {
  const v = Math.trunc(fround(fround(fround(x - min) * id) + 0.5));
  return v > top ? top : v > 0 ? v : 0;
}

/** Weighted symmetric levels for one block (importance path); writes d at dst[o] and L (0 .. 2·half−1). */
export function weightedSymmetric(
  src: Float32Array, x0: number, imp: Float32Array, sigma2: number, half: number, dst: Uint8Array, o: number,
): void {
  importanceWeights(src, x0, QK, imp, sigma2, W);
  const s = fitScale(src, x0, QK, W, -half, half - 1, L, 9, 0.1);
  const d = writeF16Bits(dst, o, pickF16Scale(src, x0, QK, W, -half, half - 1, s));
  const id = d !== 0 ? 1 / d : 0;
  for (let j = 0; j < QK; j++) {
    const l = roundEven(src[x0 + j]! * id);
    L[j] = (l < -half ? -half : l > half - 1 ? half - 1 : l) + half;
  }
}

/** Weighted affine levels for one block (importance path); writes L (0..nmax) and d, m at dst[o]. */
export function weightedAffine(
  src: Float32Array, x0: number, imp: Float32Array, sigma2: number, nmax: number, dst: Uint8Array, o: number,
): void {
  importanceWeights(src, x0, QK, imp, sigma2, W);
  const { scale, min } = fitAffine(src, x0, QK, W, nmax, L, -1, 0.1, 20, true);
  const d = writeF16(dst, o, scale);
  const m = writeF16(dst, o + 2, -min);
  const id = d !== 0 ? 1 / d : 0;
  for (let j = 0; j < QK; j++) {
    const l = roundEven((src[x0 + j]! - m) * id);
    L[j] = l < 0 ? 0 : l > nmax ? nmax : l;
  }
}

/** Levels of the last weighted* call (element j at index j). */
export const weightedLevels: Int32Array = L;

function quantizeQ4_0Block(src: Float32Array, x0: number, dst: Uint8Array, o: number): void {
  const max = signedAbsMax(src, x0, QK);
  const d = fround(max / -8);
  const id = d !== 0 ? fround(1 / d) : 0;
  writeF16(dst, o, d);
  for (let j = 0; j < 16; j++) {
    dst[o + 2 + j] = refLevel(src[x0 + j]!, id, 8.5, 15) | (refLevel(src[x0 + 16 + j]!, id, 8.5, 15) << 4);
  }
}

function quantizeQ4_1Block(src: Float32Array, x0: number, dst: Uint8Array, o: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < QK; j++) {
    const v = src[x0 + j]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const d = fround(fround(max - min) / 15);
  const id = d !== 0 ? fround(1 / d) : 0;
  writeF16(dst, o, d);
  writeF16(dst, o + 2, min);
  for (let j = 0; j < 16; j++) {
    dst[o + 4 + j] = refLevelMin(src[x0 + j]!, min, id, 15) | (refLevelMin(src[x0 + 16 + j]!, min, id, 15) << 4);
  }
}

export const Q4_0: BlockCodec = {
  type: "Q4_0",
  blockSize: QK,
  typeSize: 18,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    if (importance === undefined) {
      for (let b = 0; b < nb; b++) quantizeQ4_0Block(src, b * QK, dst, b * 18);
      return;
    }
    assertImportance(this.type, importance);
    const sigma2 = meanSquare(src, 0, src.length);
    for (let b = 0; b < nb; b++) {
      const o = b * 18;
      weightedSymmetric(src, b * QK, importance, sigma2, 8, dst, o);
      for (let j = 0; j < 16; j++) dst[o + 2 + j] = L[j]! | (L[j + 16]! << 4);
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 18;
      const d = lut[src[o]! | (src[o + 1]! << 8)]!;
      const y0 = b * QK;
      for (let j = 0; j < 16; j++) {
        const q = src[o + 2 + j]!;
        dst[y0 + j] = ((q & 15) - 8) * d;
        dst[y0 + 16 + j] = ((q >> 4) - 8) * d;
      }
    }
  },
};

export const Q4_1: BlockCodec = {
  type: "Q4_1",
  blockSize: QK,
  typeSize: 20,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    if (importance === undefined) {
      for (let b = 0; b < nb; b++) quantizeQ4_1Block(src, b * QK, dst, b * 20);
      return;
    }
    assertImportance(this.type, importance);
    const sigma2 = meanSquare(src, 0, src.length);
    for (let b = 0; b < nb; b++) {
      const o = b * 20;
      weightedAffine(src, b * QK, importance, sigma2, 15, dst, o);
      for (let j = 0; j < 16; j++) dst[o + 4 + j] = L[j]! | (L[j + 16]! << 4);
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 20;
      const d = lut[src[o]! | (src[o + 1]! << 8)]!;
      const m = lut[src[o + 2]! | (src[o + 3]! << 8)]!;
      const y0 = b * QK;
      for (let j = 0; j < 16; j++) {
        const q = src[o + 4 + j]!;
        dst[y0 + j] = fround((q & 15) * d) + m;
        dst[y0 + 16 + j] = fround((q >> 4) * d) + m;
      }
    }
  },
};
