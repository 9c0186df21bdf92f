// Q3_K: 256 values in 16 sub-blocks of 16, signed 3-bit values with 6-bit signed scales under one f16 d.
//
// block_q3_K (110 bytes): hmask[32] | qs[64] | scales[12] | d f16
//   x = d·(sc_j − 32)·q   for element e, sub-block j = e / 16, q in [−4, 3]
//   element e = 128·n + 32·k + l (n < 2, k < 4, l < 32):
//     low two bits of q + 4 in bits 2k..2k+1 of qs[32·n + l]
//     bit e / 32 of hmask[l] is set when q ≥ 0 (q = low − 4 when it is clear)
//   sc_j (6 bits): low nibble in scales[j] (j < 8) or the high nibble of scales[j − 8] (j ≥ 8);
//     high two bits in bits 2·(j / 4) .. +1 of scales[8 + j % 4]
import { assertFinite, assertImportance, dequantBlocks, f16Lut, quantBlocks, QK_K, type BlockCodec } from "./common.js";
import { levels, quantizeSymmetricSuper, subScales, type SymmetricSpec } from "./ksuper.js";

const fround = Math.fround;
const SPEC: SymmetricSpec = { lo: -4, hi: 3, scLo: -32, scHi: 31 };

/** The 6-bit scale j (0..63, 32 = zero) of the 12 packed bytes at src[o]. */
export function scaleQ3K(src: Uint8Array, o: number, j: number): number {
  const low = j < 8 ? src[o + j]! & 15 : src[o + j - 8]! >> 4;
  const high = (src[o + 8 + (j & 3)]! >> (2 * (j >> 2))) & 3;
  return low | (high << 4);
}

function packScales(dst: Uint8Array, o: number): void {
  dst.fill(0, o, o + 12);
  for (let j = 0; j < 16; j++) {
    const v = subScales[j]! + 32;
    if (j < 8) dst[o + j]! |= v & 15;
    else dst[o + j - 8]! |= (v & 15) << 4;
    dst[o + 8 + (j & 3)]! |= (v >> 4) << (2 * (j >> 2));
  }
}

function packLevels(dst: Uint8Array, o: number): void {
  for (let l = 0; l < 32; l++) {
    let h = 0;
    for (let k = 0; k < 8; k++) h |= (levels[32 * k + l]! >> 2) << k;
    dst[o + l] = h;
  }
  for (let n = 0; n < 2; n++) {
    for (let l = 0; l < 32; l++) {
      const e = 128 * n + l;
      dst[o + 32 + 32 * n + l] =
        (levels[e]! & 3) | ((levels[e + 32]! & 3) << 2) | ((levels[e + 64]! & 3) << 4) | ((levels[e + 96]! & 3) << 6);
    }
  }
}

export const Q3_K: BlockCodec = {
  type: "Q3_K",
  blockSize: QK_K,
  typeSize: 110,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    if (importance !== undefined) assertImportance(this.type, importance);
    for (let b = 0; b < nb; b++) {
      const o = b * 110;
      quantizeSymmetricSuper(SPEC, src, b * QK_K, importance, dst, o + 108);
      packScales(dst, o + 96);
      packLevels(dst, o);
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 110;
      const d = lut[src[o + 108]! | (src[o + 109]! << 8)]!;
      for (let j = 0; j < 16; j++) {
        const dl = fround(d * (scaleQ3K(src, o + 96, j) - 32));
        const k = (j >> 1) & 3;
        const l0 = 16 * (j & 1);
        const q0 = o + 32 + 32 * (j >> 3) + l0;
        const hbit = (j >> 1) & 7; // = e / 32 for e in sub-block j
        const y0 = b * QK_K + 16 * j;
        for (let i = 0; i < 16; i++) {
          const low = (src[q0 + i]! >> (2 * k)) & 3;
          const high = (src[o + l0 + i]! >> hbit) & 1;
          dst[y0 + i] = dl * (low - (high ? 0 : 4));
        }
      }
    }
  },
};
