// Q5_0 and Q5_1: 32 five-bit values per block: low four bits as in Q4 (j low nibble, j+16 high nibble),
// the fifth bit of element j in bit j of the little-endian u32 qh.
//
// block_q5_0 (22 bytes): d f16 | qh u32 | qs[16]            x = d · (q − 16)
// block_q5_1 (24 bytes): d f16 | m f16 | qh u32 | qs[16]    x = d · q + m
// Without importance the quantisers are ggml's quantize_row_q5_0_ref / _q5_1_ref bit for bit (rounding as
// gguf-py does it, see q4_0.ts): d = max/−16 and q = trunc(x·(1/d) + 16.5); d = (max − min)/31 and
// q = trunc((x − min)·(1/d) + 0.5).
import {
  assertFinite, assertImportance, dequantBlocks, f16Lut, quantBlocks, writeF16, type BlockCodec,
} from "./common.js";
import { meanSquare } from "./search.js";
import { refLevel, refLevelMin, signedAbsMax, weightedAffine, weightedLevels, weightedSymmetric } from "./q4_0.js";

const QK = 32;
const fround = Math.fround;
const L = new Int32Array(QK);

/** Packs 32 five-bit levels L into qh (4 bytes at dst[o]) and qs (16 bytes at dst[o + 4]). */
function pack5(levels: Int32Array, dst: Uint8Array, o: number): void {
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const a = levels[j]!;
    const b = levels[j + 16]!;
    dst[o + 4 + j] = (a & 15) | ((b & 15) << 4);
    qh |= ((a >> 4) << j) | ((b >> 4) << (j + 16));
  }
  dst[o] = qh & 0xff;
  dst[o + 1] = (qh >>> 8) & 0xff;
  dst[o + 2] = (qh >>> 16) & 0xff;
  dst[o + 3] = qh >>> 24;
}

/** Unpacks the 32 five-bit levels at src[o] (qh then qs) into levels. */
function unpack5(src: Uint8Array, o: number, levels: Int32Array): void {
  const qh = src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16) | (src[o + 3]! << 24);
  for (let j = 0; j < 16; j++) {
    const q = src[o + 4 + j]!;
    levels[j] = (q & 15) | (((qh >>> j) & 1) << 4);
    levels[j + 16] = (q >> 4) | (((qh >>> (j + 16)) & 1) << 4);
  }
}

function quantizeQ5_0Block(src: Float32Array, x0: number, dst: Uint8Array, o: number): void {
  const max = signedAbsMax(src, x0, QK);
  const d = fround(max / -16);
  const id = d !== 0 ? fround(1 / d) : 0;
  writeF16(dst, o, d);
  for (let j = 0; j < QK; j++) L[j] = refLevel(src[x0 + j]!, id, 16.5, 31);
  pack5(L, dst, o + 2);
}

function quantizeQ5_1Block(src: Float32Array, x0: number, dst: Uint8Array, o: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < QK; j++) {
    const v = src[x0 + j]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const d = fround(fround(max - min) / 31);
  const id = d !== 0 ? fround(1 / d) : 0;
  writeF16(dst, o, d);
  writeF16(dst, o + 2, min);
  for (let j = 0; j < QK; j++) L[j] = refLevelMin(src[x0 + j]!, min, id, 31);
  pack5(L, dst, o + 4);
}

export const Q5_0: BlockCodec = {
  type: "Q5_0",
  blockSize: QK,
  typeSize: 22,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    if (importance === undefined) {
      for (let b = 0; b < nb; b++) quantizeQ5_0Block(src, b * QK, dst, b * 22);
      return;
    }
    assertImportance(this.type, importance);
    const sigma2 = meanSquare(src, 0, src.length);
    for (let b = 0; b < nb; b++) {
      weightedSymmetric(src, b * QK, importance, sigma2, 16, dst, b * 22);
      pack5(weightedLevels, dst, b * 22 + 2);
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 22;
      const d = lut[src[o]! | (src[o + 1]! << 8)]!;
      unpack5(src, o + 2, L);
      const y0 = b * QK;
      for (let j = 0; j < QK; j++) dst[y0 + j] = (L[j]! - 16) * d;
    }
  },
};

export const Q5_1: BlockCodec = {
  type: "Q5_1",
  blockSize: QK,
  typeSize: 24,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    if (importance === undefined) {
      for (let b = 0; b < nb; b++) quantizeQ5_1Block(src, b * QK, dst, b * 24);
      return;
    }
    assertImportance(this.type, importance);
    const sigma2 = meanSquare(src, 0, src.length);
    for (let b = 0; b < nb; b++) {
      weightedAffine(src, b * QK, importance, sigma2, 31, dst, b * 24);
      pack5(weightedLevels, dst, b * 24 + 4);
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 24;
      const d = lut[src[o]! | (src[o + 1]! << 8)]!;
      const m = lut[src[o + 2]! | (src[o + 3]! << 8)]!;
      unpack5(src, o + 4, L);
      const y0 = b * QK;
      for (let j = 0; j < QK; j++) dst[y0 + j] = fround(L[j]! * d) + m;
    }
  },
};
