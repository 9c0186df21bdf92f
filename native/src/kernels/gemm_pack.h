// GEMM pieces: typed weight loads, panel packing of A and B (transposes and f16/bf16 widening happen here).
#pragma once

#include <string.h>

#include "../simd/vec.h"
#include "gemm.h"

namespace weft {

constexpr int VN = Vec::N;
constexpr int NR = 2 * VN;  // micro-tile columns: two vectors
#if defined(__AVX512F__)
constexpr int MR = 12;  // 24 accumulators + 2 B vectors + 1 broadcast of 32 registers
#elif defined(__AVX2__)
constexpr int MR = 6;  // 12 accumulators of 16 registers
#else
constexpr int MR = 4;
#endif

template <BType T>
struct BLoad;
template <>
struct BLoad<BType::F32> {
  using E = float;
  static Vec load(const E* p) { return vload(p); }
  static Vec part(const E* p, int64_t n) { return vload_part(p, n); }
  static float one(const E* p) { return *p; }
};
template <>
struct BLoad<BType::F16> {
  using E = uint16_t;
  static Vec load(const E* p) { return vload_f16(p); }
  static Vec part(const E* p, int64_t n) { return vload_f16_part(p, n); }
  static float one(const E* p) { return f16_bits_to_f32(*p); }
};
template <>
struct BLoad<BType::BF16> {
  using E = uint16_t;
  static Vec load(const E* p) { return vload_bf16(p); }
  static Vec part(const E* p, int64_t n) { return vload_bf16_part(p, n); }
  static float one(const E* p) { return bf16_bits_to_f32(*p); }
};

/** Packs rows [m0, m0+mc) x cols [k0, k0+kc) of A into MR-row panels: panel p holds ap[p*MR*kc + k*MR + r]. */
static inline void pack_a(const GemmArgs& g, int64_t m0, int64_t mc, int64_t k0, int64_t kc, float* ap) {
  for (int64_t p0 = 0; p0 < mc; p0 += MR) {
    int64_t mr = mc - p0 < MR ? mc - p0 : MR;
    float* dst = ap + p0 * kc;
    const float* base = g.a + (m0 + p0) * g.a_rs + k0 * g.a_cs;
    if (g.a_rs == 1) {  // stored [K, M]: each k holds the panel's rows contiguously
      for (int64_t k = 0; k < kc; k++) {
        const float* s = base + k * g.a_cs;
        float* d = dst + k * MR;
        int64_t r = 0;
        for (; r < mr; r++) d[r] = s[r];
        for (; r < MR; r++) d[r] = 0.0f;
      }
    } else {  // row-major [M, K]: transpose MR rows, a few k at a time so reads stay sequential
      const float* rows[MR];
      for (int r = 0; r < MR; r++) rows[r] = base + (r < mr ? r : 0) * g.a_rs;
      for (int64_t k = 0; k < kc; k++) {
        float* d = dst + k * MR;
        for (int r = 0; r < MR; r++) d[r] = rows[r][k * g.a_cs];
      }
      if (mr < MR)
        for (int64_t k = 0; k < kc; k++)
          for (int64_t r = mr; r < MR; r++) dst[k * MR + r] = 0.0f;
    }
  }
}

#if defined(__AVX512F__)
/** In-register 16x16 transpose: r[i][k] -> r[k][i] (unpack, shuffle within lanes, then two lane shuffles). */
static inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[4g + c], 128-bit lane L: rows 4g..4g+3 at column 4L + c.
  for (int g = 0; g < 4; g++) {
    const __m512 lo0 = t[4 * g], hi0 = t[4 * g + 1], lo1 = t[4 * g + 2], hi1 = t[4 * g + 3];
    u[4 * g + 0] = _mm512_shuffle_ps(lo0, lo1, 0x44);
    u[4 * g + 1] = _mm512_shuffle_ps(lo0, lo1, 0xEE);
    u[4 * g + 2] = _mm512_shuffle_ps(hi0, hi1, 0x44);
    u[4 * g + 3] = _mm512_shuffle_ps(hi0, hi1, 0xEE);
  }
  for (int c = 0; c < 4; c++) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    const __m512 w0 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 w1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[c] = _mm512_shuffle_f32x4(v0, w0, 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(v0, w0, 0xDD);
    r[4 + c] = _mm512_shuffle_f32x4(v1, w1, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(v1, w1, 0xDD);
  }
}

/** Full panel of B stored [N, K]: 16 columns x 16 k at a time, transposed in registers. Returns k done. */
template <BType T>
static inline int64_t pack_b_trans16(const typename BLoad<T>::E* s, int64_t ld, int64_t kc, float* dst) {
  int64_t k = 0;
  for (; k + 16 <= kc; k += 16)
    for (int h = 0; h < NR; h += 16) {
      __m512 r[16];
      for (int i = 0; i < 16; i++) r[i] = BLoad<T>::load(s + (h + i) * ld + k).v;
      transpose16(r);
      for (int i = 0; i < 16; i++) _mm512_storeu_ps(dst + (k + i) * NR + h, r[i]);
    }
  return k;
}
#endif

/** Packs rows [k0, k0+kc) x cols [n0, n0+nc) of B into NR-column panels: bp[p*NR*kc + k*NR + j], widened to f32. */
template <BType T>
static inline void pack_b(const GemmArgs& g, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* bp) {
  using L = BLoad<T>;
  using E = typename L::E;
  const E* b = static_cast<const E*>(g.b);
  for (int64_t p0 = 0; p0 < nc; p0 += NR) {
    int64_t nr = nc - p0 < NR ? nc - p0 : NR;
    float* dst = bp + p0 * kc;
    if (g.b_cs == 1) {  // row-major [K, N]: copy NR contiguous columns per k
      const E* s = b + k0 * g.b_rs + n0 + p0;
      if (nr == NR) {
        for (int64_t k = 0; k < kc; k++, s += g.b_rs) {
          vstore(dst + k * NR, L::load(s));
          vstore(dst + k * NR + VN, L::load(s + VN));
        }
      } else {
        for (int64_t k = 0; k < kc; k++, s += g.b_rs) {
          int64_t n1 = nr < VN ? nr : VN;
          vstore(dst + k * NR, L::part(s, n1));
          vstore(dst + k * NR + VN, nr > VN ? L::part(s + VN, nr - VN) : vzero());
        }
      }
    } else {  // stored [N, K]: transpose 16x16 blocks; tails widen VN k-values and scatter them down the panel
      const E* s0 = b + (n0 + p0) * g.b_cs + k0 * g.b_rs;
      int64_t kdone = 0;
#if defined(__AVX512F__)
      if (nr == NR) kdone = pack_b_trans16<T>(s0, g.b_cs, kc, dst);
#endif
      alignas(64) float t[VN];
      for (int64_t j = 0; j < NR; j++) {
        if (j >= nr) {
          for (int64_t k = kdone; k < kc; k++) dst[k * NR + j] = 0.0f;
          continue;
        }
        const E* s = s0 + j * g.b_cs;
        int64_t k = kdone;
        for (; k + VN <= kc; k += VN) {
          vstore(t, L::load(s + k));
          for (int u = 0; u < VN; u++) dst[(k + u) * NR + j] = t[u];
        }
        for (; k < kc; k++) dst[k * NR + j] = L::one(s + k);
      }
    }
  }
}

}  // namespace weft
