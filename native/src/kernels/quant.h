// Quantised linear internals: GGML block types, the quantised-activation layout, and the per-type dot kernels
// (scalar _generic twins in quant_generic.cpp, AVX-512 VNNI / AVX2 versions in quant_avx512_*.cpp / quant_avx2.cpp).
#pragma once

#include <stdint.h>

#include "gemm.h"

/* The AVX-512 tiles need F, BW, VNNI (vpdpbusd) and VBMI (vpermb); other x86 builds use the AVX2 tiles. */
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__) && defined(__AVX512VBMI__)
#define WEFT_Q_AVX512 1
#else
#define WEFT_Q_AVX512 0
#endif

namespace weft {
namespace quant {

/** GGML type ids (ggml.h numbering) of the block types the quantised linear handles. */
enum QType : int {
  Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14
};

/** Elements and bytes per block of a type; 0 elements for types this module does not handle. */
struct TypeInfo {
  int block;
  int bytes;
  bool ksuper;  // activations go to Q8_K (256) rather than the 32-element Q8_0/Q8_1 blocks
};
TypeInfo type_info(int type);

/** Activations x[M, K] quantised once per call for weights of `type`.
 *  Legacy (32-element blocks, Q8_0 and Q8_1 share their int8 values):
 *    q[m*K + e] = the int8 values, d[m*nb + b] = the f16-rounded block scale,
 *    ds[m*nb + b] = d * sum of the block's int8s (exact in f32; the Q4_1 / Q5_1 min term),
 *    per pair p of blocks (2p, 2p+1), 16 int32 / f32 lanes, lane L covering elements 4L .. 4L+3 of the pair
 *    (SIMD builds only; zero for a missing last block), per this build's lane spec (quant_act.cpp):
 *      xc[m*ldb + 16p + L] = -off(L) * (sum of those 4 int8s): the weight offset, applied on this side,
 *      dxb[m*ldb + 16p + L] = the block's d times lane factor f(L) (1/16 on the high-nibble lanes of Q4_0/Q4_1
 *      in the AVX-512 tiles, which leave the high nibble in place, i.e. 16x).
 *  K (256-element blocks, Q8_K): q = the int8 values, d = the f32 scale, bs[(m*nb + b)*16 + g] = sums of 16. */
struct Act {
  int type = 0;
  int64_t M = 0, K = 0, nb = 0, ldb = 0;
  bool ksuper = false;
  int8_t* q = nullptr;
  float* d = nullptr;
  float* ds = nullptr;
  int32_t* xc = nullptr;
  float* dxb = nullptr;
  int16_t* bs = nullptr;
};

/** Sizes `a` for x[M, K] against weights of `type` and points it into a per-thread scratch buffer (reused
 *  across calls). Returns false when the buffer cannot be allocated. */
bool act_alloc(Act* a, int type, int64_t M, int64_t K);
/** Quantises rows [m0, m1) of x into `a`; simd picks the vector quantiser (bit-identical to the scalar one)
 *  and also builds the SIMD kernels' lane tables. Returns the index (into x) of the first non-finite element,
 *  or -1 when all are finite. */
int64_t act_quantize(Act* a, const float* x, int64_t m0, int64_t m1, bool simd);

/** Scalar dot of one weight row (nb blocks) with activation row m: the _generic reference. */
float dot_generic(int type, const uint8_t* w, const Act& a, int64_t m);

/** SIMD tile: out[i*ldo + j] = weight row j (at w + j*rb) . activation row m0 + i, for j < nrows and
 *  i < mt (1..kMaxTile). Each weight block is decoded once per call and used for all mt rows. */
using TileFn = void (*)(const uint8_t* w, int64_t rb, int64_t nrows, const Act& a, int64_t m0, int mt, float* out,
                        int64_t ldo);
constexpr int kMaxTile = 4;
/** The SIMD tile kernel of `type` for this build, or nullptr (then the driver uses dot_generic). */
TileFn simd_tile_avx512_legacy(int type);
TileFn simd_tile_avx512_k(int type);
TileFn simd_tile_avx2(int type);

/** Scalar f16 -> f32 (all patterns) and f32 -> f16 bits, round to nearest even (gemm_generic.cpp). */
static inline float h2f(uint16_t h) { return f16_bits_to_f32(h); }
static inline uint16_t f2h(float f) { return f32_to_f16_bits(f); }

static inline uint16_t rd16(const uint8_t* p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/** Q4_K / Q5_K packed 6-bit scales and mins (12 bytes) -> sc[8], mn[8]. */
static inline void unpack_k4_scales(const uint8_t* s, uint8_t* sc, uint8_t* mn) {
  for (int j = 0; j < 4; j++) {
    sc[j] = s[j] & 63;
    mn[j] = s[j + 4] & 63;
    sc[j + 4] = (uint8_t)((s[j + 8] & 15) | ((s[j] >> 6) << 4));
    mn[j + 4] = (uint8_t)((s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4));
  }
}

/** Q3_K packed 6-bit scales (12 bytes) -> sc[16] in [-32, 31], four at a time in 32-bit words: scale j has
 *  its low nibble in byte j (j < 8) or the high nibble of byte j - 8, its top two bits in bits 2 (j / 4) of
 *  byte 8 + j % 4. */
static inline void unpack_k3_scales(const uint8_t* s, int8_t* sc) {
  const uint32_t a0 = rd32(s), a1 = rd32(s + 4), t = rd32(s + 8), m4 = 0x0f0f0f0fu, m2 = 0x03030303u;
  const uint32_t w[4] = {(a0 & m4) | (t & m2) << 4, (a1 & m4) | ((t >> 2) & m2) << 4,
                         ((a0 >> 4) & m4) | ((t >> 4) & m2) << 4, ((a1 >> 4) & m4) | ((t >> 6) & m2) << 4};
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 4; b++) sc[4 * i + b] = (int8_t)((int)((w[i] >> (8 * b)) & 0xff) - 32);
}

}  // namespace quant
}  // namespace weft
