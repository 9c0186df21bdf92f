// Q8_0 and Q8_1: 32 int8 values with one f16 scale (Q8_1 adds the f16 of scale * sum of the int8s).
//
// block_q8_0 (34 bytes): d f16 | qs int8[32]            x[j] = d * qs[j]
// block_q8_1 (36 bytes): d f16 | s f16 | qs int8[32]    s = d * sum(qs); an activation type
// Quantiser = ggml's quantize_row_q8_0_ref bit for bit: d = amax / 127 in f32, q = roundf(x * (1/d)).
import { f32ToF16 } from "../half.js";
import {
  assertFinite, dequantBlocks, f16Lut, i8, quantBlocks, roundAway, writeF16, type BlockCodec,
} from "./common.js";

const QK = 32;
const fround = Math.fround;

/** Sum of the int8s of the last quantizeBlock8 call. */
let lastSum = 0;

/** Quantises the 32 elements at src[x0] into int8s at dst[q0]; returns d (f32); the sum is in lastSum. */
function quantizeBlock8(src: Float32Array, x0: number, dst: Uint8Array, q0: number): number {
  let amax = 0;
  for (let j = 0; j < QK; j++) {
    const a = Math.abs(src[x0 + j]!);
    if (a > amax) amax = a;
  }
  const d = fround(amax / 127);
  const id = d !== 0 ? fround(1 / d) : 0;
  let sum = 0;
  for (let j = 0; j < QK; j++) {
    let q = roundAway(fround(src[x0 + j]! * id));
    q = q > 127 ? 127 : q < -127 ? -127 : q;
    dst[q0 + j] = q & 0xff;
    sum += q;
  }
  lastSum = sum;
  return d;
}

export const Q8_0: BlockCodec = {
  type: "Q8_0",
  blockSize: QK,
  typeSize: 34,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    for (let b = 0; b < nb; b++) {
      const o = b * 34;
      writeF16(dst, o, quantizeBlock8(src, b * QK, dst, o + 2));
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 34;
      const d = lut[src[o]! | (src[o + 1]! << 8)]!;
      const y0 = b * QK;
      for (let j = 0; j < QK; j++) dst[y0 + j] = d * i8(src[o + 2 + j]!);
    }
  },
};

export const Q8_1: BlockCodec = {
  type: "Q8_1",
  blockSize: QK,
  typeSize: 36,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    for (let b = 0; b < nb; b++) {
      const o = b * 36;
      const d = quantizeBlock8(src, b * QK, dst, o + 4);
      writeF16(dst, o, d);
      const s = f32ToF16(fround(lastSum * d));
      dst[o + 2] = s & 0xff;
      dst[o + 3] = s >>> 8;
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 36;
      const d = lut[src[o]! | (src[o + 1]! << 8)]!;
      const y0 = b * QK;
      for (let j = 0; j < QK; j++) dst[y0 + j] = d * i8(src[o + 4 + j]!);
    }
  },
};
