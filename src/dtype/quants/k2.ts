// Q2_K: 256 values in 16 sub-blocks of 16, each with a 4-bit scale and a 4-bit min under f16 d and dmin.
//
// block_q2_K (84 bytes): scales[16] | qs[64] | d f16 | dmin f16
//   x = d·(scales[j] & 15)·q − dmin·(scales[j] >> 4)   for element e, sub-block j = e / 16, q in [0, 3]
//   element e = 128·n + 32·k + l (n < 2, k < 4, l < 32) sits in bits 2k..2k+1 of qs[32·n + l]
import { assertFinite, assertImportance, dequantBlocks, f16Lut, quantBlocks, QK_K, type BlockCodec } from "./common.js";
import { levels, quantizeAffineSuper, subMins, subScales, type AffineSpec } from "./ksuper.js";

const fround = Math.fround;
const SPEC: AffineSpec = { nSub: 16, subLen: 16, nmax: 3, scMax: 15 };

export const Q2_K: BlockCodec = {
  type: "Q2_K",
  blockSize: QK_K,
  typeSize: 84,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    if (importance !== undefined) assertImportance(this.type, importance);
    for (let b = 0; b < nb; b++) {
      const o = b * 84;
      quantizeAffineSuper(SPEC, src, b * QK_K, importance, dst, o + 80);
      for (let j = 0; j < 16; j++) dst[o + j] = subScales[j]! | (subMins[j]! << 4);
      for (let n = 0; n < 2; n++) {
        for (let l = 0; l < 32; l++) {
          const e = 128 * n + l;
          dst[o + 16 + 32 * n + l] =
            levels[e]! | (levels[e + 32]! << 2) | (levels[e + 64]! << 4) | (levels[e + 96]! << 6);
        }
      }
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 84;
      const d = lut[src[o + 80]! | (src[o + 81]! << 8)]!;
      const dmin = lut[src[o + 82]! | (src[o + 83]! << 8)]!;
      for (let j = 0; j < 16; j++) {
        const sc = src[o + j]!;
        const dl = fround(d * (sc & 15));
        const ml = fround(dmin * (sc >> 4));
        // sub-block j covers e = 16j .. 16j+15: n = j >> 3, k = (j >> 1) & 3, l = 16·(j & 1) + i
        const q0 = o + 16 + 32 * (j >> 3) + 16 * (j & 1);
        const shift = 2 * ((j >> 1) & 3);
        const y0 = b * QK_K + 16 * j;
        for (let i = 0; i < 16; i++) dst[y0 + i] = fround(dl * ((src[q0 + i]! >> shift) & 3)) - ml;
      }
    }
  },
};
