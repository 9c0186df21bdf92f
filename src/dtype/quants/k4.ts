// Q4_K: 256 values in 8 sub-blocks of 32, each with a 6-bit scale and a 6-bit min under f16 d and dmin.
//
// block_q4_K (144 bytes): d f16 | dmin f16 | scales[12] | qs[128]
//   x = d·sc_j·q − dmin·m_j  for element e, sub-block j = e / 32, q in [0, 15]
//   qs: sub-blocks 2p and 2p+1 share qs[32p .. 32p+32): sub-block 2p in the low nibbles, 2p+1 in the high
//   scales (ggml's get_scale_min_k4 packing), for j < 4:
//     scales[j]   = sc_j | (sc_{j+4} >> 4) << 6
//     scales[j+4] = m_j  | (m_{j+4}  >> 4) << 6
//     scales[j+8] = (sc_{j+4} & 15) | (m_{j+4} & 15) << 4
import { assertFinite, assertImportance, dequantBlocks, f16Lut, quantBlocks, QK_K, type BlockCodec } from "./common.js";
import { levels, quantizeAffineSuper, subMins, subScales, type AffineSpec } from "./ksuper.js";

const fround = Math.fround;

/** Packs 8 six-bit scales and mins into the 12 bytes at dst[o]. */
export function packScalesK4(sc: Int32Array, m: Int32Array, dst: Uint8Array, o: number): void {
  for (let j = 0; j < 4; j++) {
    dst[o + j] = sc[j]! | ((sc[j + 4]! >> 4) << 6);
    dst[o + j + 4] = m[j]! | ((m[j + 4]! >> 4) << 6);
    dst[o + j + 8] = (sc[j + 4]! & 15) | ((m[j + 4]! & 15) << 4);
  }
}

/** Unpacks the 8 scales and mins of the 12 bytes at src[o] into sc and m. */
export function unpackScalesK4(src: Uint8Array, o: number, sc: Int32Array, m: Int32Array): void {
  for (let j = 0; j < 4; j++) {
    sc[j] = src[o + j]! & 63;
    m[j] = src[o + j + 4]! & 63;
    sc[j + 4] = (src[o + j + 8]! & 15) | ((src[o + j]! >> 6) << 4);
    m[j + 4] = (src[o + j + 8]! >> 4) | ((src[o + j + 4]! >> 6) << 4);
  }
}

const SPEC: AffineSpec = { nSub: 8, subLen: 32, nmax: 15, scMax: 63 };
const SC = new Int32Array(8);
const MN = new Int32Array(8);

export const Q4_K: BlockCodec = {
  type: "Q4_K",
  blockSize: QK_K,
  typeSize: 144,
  quantizeRow(src, dst, importance) {
    const nb = quantBlocks(this, src, dst, importance);
    assertFinite(this.type, src);
    if (importance !== undefined) assertImportance(this.type, importance);
    for (let b = 0; b < nb; b++) {
      const o = b * 144;
      quantizeAffineSuper(SPEC, src, b * QK_K, importance, dst, o);
      packScalesK4(subScales, subMins, dst, o + 4);
      for (let p = 0; p < 4; p++) {
        for (let l = 0; l < 32; l++) dst[o + 16 + 32 * p + l] = levels[64 * p + l]! | (levels[64 * p + 32 + l]! << 4);
      }
    }
  },
  dequantizeRow(src, dst) {
    const nb = dequantBlocks(this, src, dst);
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const o = b * 144;
      const d = lut[src[o]! | (src[o + 1]! << 8)]!;
      const dmin = lut[src[o + 2]! | (src[o + 3]! << 8)]!;
      unpackScalesK4(src, o + 4, SC, MN);
      for (let p = 0; p < 4; p++) {
        const d1 = fround(d * SC[2 * p]!), m1 = fround(dmin * MN[2 * p]!);
        const d2 = fround(d * SC[2 * p + 1]!), m2 = fround(dmin * MN[2 * p + 1]!);
        const q0 = o + 16 + 32 * p;
        const y0 = b * QK_K + 64 * p;
        for (let l = 0; l < 32; l++) {
          const q = src[q0 + l]!;
          dst[y0 + l] = fround(d1 * (q & 15)) - m1;
          dst[y0 + 32 + l] = fround(d2 * (q >> 4)) - m2;
        }
      }
    }
  },
};
