// Q5_K: Q4_K with a fifth bit per value; 8 sub-blocks of 32 with 6-bit scales and mins under f16 d, dmin.
//
// block_q5_K (176 bytes): d f16 | dmin f16 | scales[12] (packed as in k4.ts) | qh[32] | qs[128]
//   x = d·sc_j·q − dmin·m_j  for element e, sub-block j = e / 32, l = e % 32, q in [0, 31]
//   low four bits: as Q4_K (sub-block 2p low nibbles, 2p+1 high nibbles of qs[32p + l])
//   fifth bit: bit j of qh[l]
import { assertFinite, assertImportance, dequantBlocks, f16Lut, quantBlocks, QK_K, type BlockCodec } from "./common.js";
import { levels, quantizeAffineSuper, subMins, subScales, type AffineSpec } from "./ksuper.js";
import { packScalesK4, unpackScalesK4 } from "./k4.js";

const fround = Math.fround;
const SPEC: AffineSpec = { nSub: 8, subLen: 32, nmax: 31, scMax: 63 };
const SC = new Int32Array(8);
const MN = new Int32Array(8);

function packLevels(dst: Uint8Array, o: number): void {
  for (let l = 0; l < 32; l++) {
    let h = 0;
    for (let j = 0; j < 8; j++) h |= (levels[32 * j + l]! >> 4) << j;
    dst[o + 16 + l] = h;
  }
  for (let p = 0; p < 4; p++) {
    for (let l = 0; l < 32; l++) {
      dst[o + 48 + 32 * p + l] = (levels[64 * p + l]! & 15) | ((levels[64 * p + 32 + l]! & 15) << 4);
    }
  }
}

export const Q5_K: BlockCodec = {
  type: "Q5_K",
  blockSize: QK_K,
  typeSize: 176,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    if (importance !== undefined) assertImportance(this.type, importance);
    for (let b = 0; b < nb; b++) {
      const o = b * 176;
      quantizeAffineSuper(SPEC, src, b * QK_K, importance, dst, o);
      packScalesK4(subScales, subMins, dst, o + 4);
      packLevels(dst, o);
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 176;
      const d = lut[src[o]! | (src[o + 1]! << 8)]!;
      const dmin = lut[src[o + 2]! | (src[o + 3]! << 8)]!;
      unpackScalesK4(src, o + 4, SC, MN);
      for (let p = 0; p < 4; p++) {
        const j1 = 2 * p, j2 = 2 * p + 1;
        const d1 = fround(d * SC[j1]!), m1 = fround(dmin * MN[j1]!);
        const d2 = fround(d * SC[j2]!), m2 = fround(dmin * MN[j2]!);
        const q0 = o + 48 + 32 * p;
        const y0 = b * QK_K + 64 * p;
        for (let l = 0; l < 32; l++) {
          const q = src[q0 + l]!;
          const h = src[o + 16 + l]!;
          dst[y0 + l] = fround(d1 * ((q & 15) | (((h >> j1) & 1) << 4))) - m1;
          dst[y0 + 32 + l] = fround(d2 * ((q >> 4) | (((h >> j2) & 1) << 4))) - m2;
        }
      }
    }
  },
};
