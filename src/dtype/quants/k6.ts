// Q6_K: 256 values in 16 sub-blocks of 16, signed 6-bit values with int8 scales under one f16 d.
//
// block_q6_K (210 bytes): ql[128] | qh[64] | scales int8[16] | d f16
//   x = d·scales[j]·q   for element e, sub-block j = e / 16, q in [−32, 31] stored as q + 32
//   element e = 128·n + 32·m + l (n < 2, m < 4, l < 32):
//     low four bits: ql[64·n + 32·(m & 1) + l], low nibble for m < 2, high nibble for m ≥ 2
//     high two bits: bits 2m..2m+1 of qh[32·n + l]
import { assertFinite, assertImportance, dequantBlocks, f16Lut, i8, quantBlocks, QK_K, type BlockCodec } from "./common.js";
import { levels, quantizeSymmetricSuper, subScales, type SymmetricSpec } from "./ksuper.js";

const fround = Math.fround;
const SPEC: SymmetricSpec = { lo: -32, hi: 31, scLo: -128, scHi: 127 };

function packLevels(dst: Uint8Array, o: number): void {
  for (let n = 0; n < 2; n++) {
    for (let l = 0; l < 32; l++) {
      const e = 128 * n + l;
      const q1 = levels[e]!, q2 = levels[e + 32]!, q3 = levels[e + 64]!, q4 = levels[e + 96]!;
      dst[o + 64 * n + l] = (q1 & 15) | ((q3 & 15) << 4);
      dst[o + 64 * n + 32 + l] = (q2 & 15) | ((q4 & 15) << 4);
      dst[o + 128 + 32 * n + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
}

export const Q6_K: BlockCodec = {
  type: "Q6_K",
  blockSize: QK_K,
  typeSize: 210,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    if (importance !== undefined) assertImportance(this.type, importance);
    for (let b = 0; b < nb; b++) {
      const o = b * 210;
      quantizeSymmetricSuper(SPEC, src, b * QK_K, importance, dst, o + 208);
      for (let j = 0; j < 16; j++) dst[o + 192 + j] = subScales[j]! & 0xff;
      packLevels(dst, o);
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 210;
      const d = lut[src[o + 208]! | (src[o + 209]! << 8)]!;
      for (let j = 0; j < 16; j++) {
        const dl = fround(d * i8(src[o + 192 + j]!));
        const n = j >> 3, m = (j >> 1) & 3, l0 = 16 * (j & 1);
        const lo = o + 64 * n + 32 * (m & 1) + l0;
        const hi = o + 128 + 32 * n + l0;
        const shiftL = 4 * (m >> 1), shiftH = 2 * m;
        const y0 = b * QK_K + 16 * j;
        for (let i = 0; i < 16; i++) {
          const q = ((src[lo + i]! >> shiftL) & 15) | (((src[hi + i]! >> shiftH) & 3) << 4);
          dst[y0 + i] = dl * (q - 32);
        }
      }
    }
  },
};
