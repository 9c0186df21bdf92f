// Q8_K: the activation type the K-quant dot products pair with: 256 int8 values under one f32 scale,
// plus the sums of each group of 16 (so a kernel can apply the K-quant mins without touching qs).
//
// block_q8_K (292 bytes): d f32 | qs int8[256] | bsums int16[16]     x = d · qs[e]
// Quantiser = ggml's quantize_row_q8_K_ref bit for bit: the element of largest magnitude maps to −127,
// q = min(127, nearest_int(x · (−127/max))), d = 1/iscale (all in f32). An all-zero block is all zeros.
import {
  assertFinite, dequantBlocks, i8, quantBlocks, QK_K, roundEven, type BlockCodec,
} from "./common.js";
import { signedAbsMax } from "./q4_0.js";

const fround = Math.fround;
const F = new Float32Array(1);
const FB = new Uint8Array(F.buffer);

function readF32(src: Uint8Array, o: number): number {
  FB[0] = src[o]!; FB[1] = src[o + 1]!; FB[2] = src[o + 2]!; FB[3] = src[o + 3]!;
  return F[0]!;
}

function writeF32(dst: Uint8Array, o: number, v: number): void {
  F[0] = v;
  dst[o] = FB[0]!; dst[o + 1] = FB[1]!; dst[o + 2] = FB[2]!; dst[o + 3] = FB[3]!;
}

function quantizeBlock(src: Float32Array, x0: number, dst: Uint8Array, o: number): void {
  const max = signedAbsMax(src, x0, QK_K);
  if (max === 0) {
    dst.fill(0, o, o + 292);
    return;
  }
  const iscale = fround(-127 / max);
  for (let g = 0; g < 16; g++) {
    let sum = 0;
    for (let i = 0; i < 16; i++) {
      const e = 16 * g + i;
      let q = roundEven(fround(iscale * src[x0 + e]!));
      if (q > 127) q = 127;
      dst[o + 4 + e] = q & 0xff;
      sum += q;
    }
    dst[o + 260 + 2 * g] = sum & 0xff;
    dst[o + 261 + 2 * g] = (sum >> 8) & 0xff;
  }
  writeF32(dst, o, fround(1 / iscale));
}

export const Q8_K: BlockCodec = {
  type: "Q8_K",
  blockSize: QK_K,
  typeSize: 292,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    for (let b = 0; b < nb; b++) quantizeBlock(src, b * QK_K, dst, b * 292);
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    for (let b = 0; b < nb; b++) {
      const o = b * 292;
      const d = readF32(src, o);
      const y0 = b * QK_K;
      for (let e = 0; e < QK_K; e++) dst[y0 + e] = d * i8(src[o + 4 + e]!);
    }
  },
};
