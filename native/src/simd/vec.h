// One SIMD vector type over f32 lanes (AVX-512, else AVX2+FMA, else scalar) with masked tails and f16/bf16 loads.
#pragma once

#include <stdint.h>
#include <string.h>
#include <math.h>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace weft {

#if defined(__AVX512F__)
#define WEFT_SIMD_NAME "avx512"
struct Vec {
  __m512 v;
  static constexpr int N = 16;
};
using VecI = __m512i;
static inline Vec vwrap(__m512 x) { return Vec{x}; }
static inline Vec vzero() { return Vec{_mm512_setzero_ps()}; }
static inline Vec vset1(float x) { return Vec{_mm512_set1_ps(x)}; }
static inline Vec vload(const float* p) { return Vec{_mm512_loadu_ps(p)}; }
static inline void vstore(float* p, Vec a) { _mm512_storeu_ps(p, a.v); }
static inline __mmask16 vmask(int64_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u); }
/** Loads the first n (< N) lanes, zero elsewhere. */
static inline Vec vload_part(const float* p, int64_t n) { return Vec{_mm512_maskz_loadu_ps(vmask(n), p)}; }
static inline Vec vload_part_fill(const float* p, int64_t n, float fill) {
  return Vec{_mm512_mask_loadu_ps(_mm512_set1_ps(fill), vmask(n), p)};
}
static inline void vstore_part(float* p, Vec a, int64_t n) { _mm512_mask_storeu_ps(p, vmask(n), a.v); }
static inline Vec vadd(Vec a, Vec b) { return Vec{_mm512_add_ps(a.v, b.v)}; }
static inline Vec vsub(Vec a, Vec b) { return Vec{_mm512_sub_ps(a.v, b.v)}; }
static inline Vec vmul(Vec a, Vec b) { return Vec{_mm512_mul_ps(a.v, b.v)}; }
static inline Vec vdiv(Vec a, Vec b) { return Vec{_mm512_div_ps(a.v, b.v)}; }
/** a * b + c */
static inline Vec vfma(Vec a, Vec b, Vec c) { return Vec{_mm512_fmadd_ps(a.v, b.v, c.v)}; }
static inline Vec vmax(Vec a, Vec b) { return Vec{_mm512_max_ps(a.v, b.v)}; }
static inline Vec vmin(Vec a, Vec b) { return Vec{_mm512_min_ps(a.v, b.v)}; }
static inline Vec vsqrt(Vec a) { return Vec{_mm512_sqrt_ps(a.v)}; }
static inline Vec vabs(Vec a) { return Vec{_mm512_abs_ps(a.v)}; }
static inline Vec vneg(Vec a) { return Vec{_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a.v), _mm512_set1_epi32(INT32_MIN)))}; }
static inline float vreduce_add(Vec a) { return _mm512_reduce_add_ps(a.v); }
static inline float vreduce_max(Vec a) { return _mm512_reduce_max_ps(a.v); }
/** f16 and bf16 loads of N lanes (and the first n lanes). */
static inline Vec vload_f16(const uint16_t* p) { return Vec{_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)p))}; }
static inline Vec vload_f16_part(const uint16_t* p, int64_t n) {
  return Vec{_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(vmask(n), p))};
}
static inline Vec vload_bf16(const uint16_t* p) {
  __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)p));
  return Vec{_mm512_castsi512_ps(_mm512_slli_epi32(w, 16))};
}
static inline Vec vload_bf16_part(const uint16_t* p, int64_t n) {
  __m512i w = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(vmask(n), p));
  return Vec{_mm512_castsi512_ps(_mm512_slli_epi32(w, 16))};
}
// Lane-wise selects and the pieces vexp needs.
static inline Vec vselect_gt(Vec a, Vec b, Vec t, Vec f) {  // a > b ? t : f
  return Vec{_mm512_mask_blend_ps(_mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ), f.v, t.v)};
}
static inline Vec vselect_nan(Vec a, Vec t, Vec f) {  // isnan(a) ? t : f
  return Vec{_mm512_mask_blend_ps(_mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q), f.v, t.v)};
}
static inline Vec vround(Vec a) { return Vec{_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
/** 2^n for integral n in [-126, 127] held as floats. */
static inline Vec vpow2i(Vec n) {
  __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
  return Vec{_mm512_castsi512_ps(_mm512_slli_epi32(e, 23))};
}
static inline bool vany_gt(Vec a, Vec b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ) != 0; }
/** true when every lane is in [lo, hi] (NaN is not). */
static inline bool vall_in(Vec a, Vec lo, Vec hi) {
  return (_mm512_cmp_ps_mask(a.v, lo.v, _CMP_GE_OQ) & _mm512_cmp_ps_mask(a.v, hi.v, _CMP_LE_OQ)) == 0xffff;
}
/** x = m * 2^e with m in [1, 2), for normal positive x. */
static inline Vec vgetexp(Vec a) { return Vec{_mm512_getexp_ps(a.v)}; }
static inline Vec vgetmant(Vec a) { return Vec{_mm512_getmant_ps(a.v, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero)}; }
static inline Vec vcopysign(Vec mag, Vec sgn) {
  const __m512i s = _mm512_set1_epi32(INT32_MIN);
  return Vec{_mm512_castsi512_ps(_mm512_ternarylogic_epi32(s, _mm512_castps_si512(sgn.v), _mm512_castps_si512(mag.v), 0xCA))};  // s ? sgn : mag
}
/** Swaps lanes (0,1), (2,3), ... */
static inline Vec vswap_pairs(Vec a) { return Vec{_mm512_permute_ps(a.v, 0xB1)}; }

#elif defined(__AVX2__) && defined(__FMA__)
#define WEFT_SIMD_NAME "avx2"
struct Vec {
  __m256 v;
  static constexpr int N = 8;
};
static inline Vec vzero() { return Vec{_mm256_setzero_ps()}; }
static inline Vec vset1(float x) { return Vec{_mm256_set1_ps(x)}; }
static inline Vec vload(const float* p) { return Vec{_mm256_loadu_ps(p)}; }
static inline void vstore(float* p, Vec a) { _mm256_storeu_ps(p, a.v); }
static inline __m256i vmask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n > 8 ? 8 : n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline Vec vload_part(const float* p, int64_t n) { return Vec{_mm256_maskload_ps(p, vmask(n))}; }
static inline Vec vload_part_fill(const float* p, int64_t n, float fill) {
  __m256i m = vmask(n);
  return Vec{_mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m))};
}
static inline void vstore_part(float* p, Vec a, int64_t n) { _mm256_maskstore_ps(p, vmask(n), a.v); }
static inline Vec vadd(Vec a, Vec b) { return Vec{_mm256_add_ps(a.v, b.v)}; }
static inline Vec vsub(Vec a, Vec b) { return Vec{_mm256_sub_ps(a.v, b.v)}; }
static inline Vec vmul(Vec a, Vec b) { return Vec{_mm256_mul_ps(a.v, b.v)}; }
static inline Vec vdiv(Vec a, Vec b) { return Vec{_mm256_div_ps(a.v, b.v)}; }
static inline Vec vfma(Vec a, Vec b, Vec c) { return Vec{_mm256_fmadd_ps(a.v, b.v, c.v)}; }
static inline Vec vmax(Vec a, Vec b) { return Vec{_mm256_max_ps(a.v, b.v)}; }
static inline Vec vmin(Vec a, Vec b) { return Vec{_mm256_min_ps(a.v, b.v)}; }
static inline Vec vsqrt(Vec a) { return Vec{_mm256_sqrt_ps(a.v)}; }
static inline Vec vabs(Vec a) { return Vec{_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.v)}; }
static inline Vec vneg(Vec a) { return Vec{_mm256_xor_ps(_mm256_set1_ps(-0.0f), a.v)}; }
static inline float vreduce_add(Vec a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline float vreduce_max(Vec a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline Vec vload_f16(const uint16_t* p) { return Vec{_mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p))}; }
static inline Vec vload_f16_part(const uint16_t* p, int64_t n) {
  uint16_t t[8] = {0};
  memcpy(t, p, (size_t)n * 2);
  return vload_f16(t);
}
static inline Vec vload_bf16(const uint16_t* p) {
  __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p));
  return Vec{_mm256_castsi256_ps(_mm256_slli_epi32(w, 16))};
}
static inline Vec vload_bf16_part(const uint16_t* p, int64_t n) {
  uint16_t t[8] = {0};
  memcpy(t, p, (size_t)n * 2);
  return vload_bf16(t);
}
static inline Vec vselect_gt(Vec a, Vec b, Vec t, Vec f) {
  return Vec{_mm256_blendv_ps(f.v, t.v, _mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ))};
}
static inline Vec vselect_nan(Vec a, Vec t, Vec f) {
  return Vec{_mm256_blendv_ps(f.v, t.v, _mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q))};
}
static inline Vec vround(Vec a) { return Vec{_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
static inline Vec vpow2i(Vec n) {
  __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
  return Vec{_mm256_castsi256_ps(_mm256_slli_epi32(e, 23))};
}
static inline bool vany_gt(Vec a, Vec b) { return _mm256_movemask_ps(_mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ)) != 0; }
static inline bool vall_in(Vec a, Vec lo, Vec hi) {
  __m256 m = _mm256_and_ps(_mm256_cmp_ps(a.v, lo.v, _CMP_GE_OQ), _mm256_cmp_ps(a.v, hi.v, _CMP_LE_OQ));
  return _mm256_movemask_ps(m) == 0xff;
}
static inline Vec vgetexp(Vec a) {
  __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(_mm256_castps_si256(a.v), 23), _mm256_set1_epi32(127));
  return Vec{_mm256_cvtepi32_ps(_mm256_and_si256(e, _mm256_set1_epi32(-1)))};
}
static inline Vec vgetmant(Vec a) {
  __m256i m = _mm256_or_si256(_mm256_and_si256(_mm256_castps_si256(a.v), _mm256_set1_epi32(0x7fffff)),
                              _mm256_set1_epi32(0x3f800000));
  return Vec{_mm256_castsi256_ps(m)};
}
static inline Vec vcopysign(Vec mag, Vec sgn) {
  const __m256 s = _mm256_set1_ps(-0.0f);
  return Vec{_mm256_or_ps(_mm256_andnot_ps(s, mag.v), _mm256_and_ps(s, sgn.v))};
}
static inline Vec vswap_pairs(Vec a) { return Vec{_mm256_permute_ps(a.v, 0xB1)}; }

#else
#define WEFT_SIMD_NAME "generic"
struct Vec {
  float v;
  static constexpr int N = 1;
};
static inline Vec vzero() { return Vec{0.0f}; }
static inline Vec vset1(float x) { return Vec{x}; }
static inline Vec vload(const float* p) { return Vec{*p}; }
static inline void vstore(float* p, Vec a) { *p = a.v; }
static inline Vec vload_part(const float* p, int64_t n) { return Vec{n > 0 ? *p : 0.0f}; }
static inline Vec vload_part_fill(const float* p, int64_t n, float fill) { return Vec{n > 0 ? *p : fill}; }
static inline void vstore_part(float* p, Vec a, int64_t n) { if (n > 0) *p = a.v; }
static inline Vec vadd(Vec a, Vec b) { return Vec{a.v + b.v}; }
static inline Vec vsub(Vec a, Vec b) { return Vec{a.v - b.v}; }
static inline Vec vmul(Vec a, Vec b) { return Vec{a.v * b.v}; }
static inline Vec vdiv(Vec a, Vec b) { return Vec{a.v / b.v}; }
static inline Vec vfma(Vec a, Vec b, Vec c) { return Vec{fmaf(a.v, b.v, c.v)}; }
static inline Vec vmax(Vec a, Vec b) { return Vec{a.v > b.v ? a.v : b.v}; }
static inline Vec vmin(Vec a, Vec b) { return Vec{a.v < b.v ? a.v : b.v}; }
static inline Vec vsqrt(Vec a) { return Vec{sqrtf(a.v)}; }
static inline Vec vabs(Vec a) { return Vec{fabsf(a.v)}; }
static inline Vec vneg(Vec a) { return Vec{-a.v}; }
static inline float vreduce_add(Vec a) { return a.v; }
static inline float vreduce_max(Vec a) { return a.v; }
float f16_to_f32(uint16_t h);
static inline Vec vload_f16(const uint16_t* p) { return Vec{f16_to_f32(*p)}; }
static inline Vec vload_f16_part(const uint16_t* p, int64_t n) { return Vec{n > 0 ? f16_to_f32(*p) : 0.0f}; }
static inline Vec vload_bf16(const uint16_t* p) {
  uint32_t u = (uint32_t)*p << 16;
  float f;
  memcpy(&f, &u, 4);
  return Vec{f};
}
static inline Vec vload_bf16_part(const uint16_t* p, int64_t n) { return n > 0 ? vload_bf16(p) : Vec{0.0f}; }
static inline Vec vselect_gt(Vec a, Vec b, Vec t, Vec f) { return a.v > b.v ? t : f; }
static inline Vec vselect_nan(Vec a, Vec t, Vec f) { return a.v != a.v ? t : f; }
static inline Vec vround(Vec a) { return Vec{nearbyintf(a.v)}; }
static inline Vec vpow2i(Vec n) { return Vec{ldexpf(1.0f, (int)n.v)}; }
static inline bool vany_gt(Vec a, Vec b) { return a.v > b.v; }
static inline bool vall_in(Vec a, Vec lo, Vec hi) { return a.v >= lo.v && a.v <= hi.v; }
static inline Vec vgetexp(Vec a) {
  int e;
  frexpf(a.v, &e);
  return Vec{(float)(e - 1)};
}
static inline Vec vgetmant(Vec a) {
  int e;
  return Vec{2.0f * frexpf(a.v, &e)};
}
static inline Vec vcopysign(Vec mag, Vec sgn) { return Vec{copysignf(mag.v, sgn.v)}; }
#endif

/** e^x, relative error ~2e-7; +inf above 88.376 (just below the f32 overflow at 88.72), 0 below -87.34
 *  (where results turn subnormal), NaN stays NaN. */
static inline Vec vexp(Vec x) {
  const Vec hi = vset1(88.3762626647949f), lo = vset1(-87.3365447505531f);
  Vec xc = vmin(vmax(x, lo), hi);
  Vec n = vround(vmul(xc, vset1(1.44269504088896341f)));
  Vec r = vfma(n, vset1(-0.693145751953125f), xc);  // ln2 split in two for an exact product
  r = vfma(n, vset1(-1.428606765330187e-06f), r);
  Vec p = vset1(1.0f / 5040.0f);
  p = vfma(p, r, vset1(1.0f / 720.0f));
  p = vfma(p, r, vset1(1.0f / 120.0f));
  p = vfma(p, r, vset1(1.0f / 24.0f));
  p = vfma(p, r, vset1(1.0f / 6.0f));
  p = vfma(p, r, vset1(0.5f));
  p = vfma(p, r, vset1(1.0f));
  p = vfma(p, r, vset1(1.0f));
  Vec y = vmul(p, vpow2i(n));
  y = vselect_gt(x, hi, vset1(INFINITY), y);
  y = vselect_gt(lo, x, vzero(), y);
  return vselect_nan(x, x, y);
}

}  // namespace weft
