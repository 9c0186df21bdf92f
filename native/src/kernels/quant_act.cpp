// Activation quantisers of the quantised linear: x rows -> Q8_0/Q8_1-style 32-blocks or Q8_K 256-blocks, as a
// scalar version and an AVX-512 version, bit-identical to the reference (src/backend/ref/linear.ts), which
// follows ggml on x86: Q8_0/Q8_1 as its SIMD quantize_row_q8_0 (q = nearest-even(x * (127 / amax)), scale
// f16(amax / 127)), Q8_K as quantize_row_q8_K_ref (src/dtype/quants/q8_k.ts).
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quant.h"
#if WEFT_Q_AVX512
#include <immintrin.h>
#endif

namespace weft {
namespace quant {

namespace {

struct Scratch {
  void* p = nullptr;
  size_t n = 0;
  ~Scratch() { free(p); }
};
thread_local Scratch g_scratch;

size_t up64(size_t n) { return (n + 63) & ~(size_t)63; }

/** The i of the first non-finite x[i] (i < n), or -1. */
int64_t first_bad(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (!(fabsf(x[i]) <= FLT_MAX)) return i;
  return -1;
}

/** One row into 32-blocks (scalar). q, d, ds point at the row's slots. */
int64_t legacy_row_scalar(const float* x, int64_t K, int8_t* q, float* d, float* ds) {
  const int64_t bad = first_bad(x, K);
  if (bad >= 0) return bad;
  for (int64_t b = 0; b < K / 32; b++) {
    const float* xb = x + 32 * b;
    float amax = 0.f;
    for (int j = 0; j < 32; j++) amax = fabsf(xb[j]) > amax ? fabsf(xb[j]) : amax;
    const float id = amax != 0.f ? 127.f / amax : 0.f;
    int sum = 0;
    for (int j = 0; j < 32; j++) {
      const int qi = (int)nearbyintf(xb[j] * id);  // |qi| <= 127
      q[32 * b + j] = (int8_t)qi;
      sum += qi;
    }
    d[b] = h2f(f2h(amax / 127.f));
    ds[b] = d[b] * (float)sum;
  }
  return -1;
}

/** One row into Q8_K 256-blocks (scalar). */
int64_t k_row_scalar(const float* x, int64_t K, int8_t* q, float* d, int16_t* bs) {
  const int64_t bad = first_bad(x, K);
  if (bad >= 0) return bad;
  for (int64_t b = 0; b < K / 256; b++) {
    const float* xb = x + 256 * b;
    float amax = 0.f, mx = 0.f;
    for (int j = 0; j < 256; j++) {
      if (amax < fabsf(xb[j])) {
        amax = fabsf(xb[j]);
        mx = xb[j];
      }
    }
    if (mx == 0.f) {
      memset(q + 256 * b, 0, 256);
      memset(bs + 16 * b, 0, 32);
      d[b] = 0.f;
      continue;
    }
    const float iscale = -127.f / mx;
    for (int g = 0; g < 16; g++) {
      int sum = 0;
      for (int i = 0; i < 16; i++) {
        int v = (int)nearbyintf(iscale * xb[16 * g + i]);
        v = v > 127 ? 127 : v;
        q[256 * b + 16 * g + i] = (int8_t)v;
        sum += v;
      }
      bs[16 * b + g] = (int16_t)sum;
    }
    d[b] = 1.f / iscale;
  }
  return -1;
}

#if WEFT_Q_AVX512

bool any_bad(__m512 v) { return _mm512_cmp_ps_mask(_mm512_abs_ps(v), _mm512_set1_ps(FLT_MAX), _CMP_NLE_UQ) != 0; }

int64_t legacy_row_simd(const float* x, int64_t K, int8_t* q, float* d, float* ds) {
  for (int64_t b = 0; b < K / 32; b++) {
    const __m512 a0 = _mm512_loadu_ps(x + 32 * b), a1 = _mm512_loadu_ps(x + 32 * b + 16);
    if (any_bad(a0) || any_bad(a1)) return 32 * b + first_bad(x + 32 * b, 32);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a0), _mm512_abs_ps(a1)));
    const __m512 id = _mm512_set1_ps(amax != 0.f ? 127.f / amax : 0.f);
    const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(a0, id)), i1 = _mm512_cvtps_epi32(_mm512_mul_ps(a1, id));
    _mm_storeu_si128((__m128i*)(q + 32 * b), _mm512_cvtepi32_epi8(i0));
    _mm_storeu_si128((__m128i*)(q + 32 * b + 16), _mm512_cvtepi32_epi8(i1));
    d[b] = _cvtsh_ss(_cvtss_sh(amax / 127.f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    ds[b] = d[b] * (float)_mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
  }
  return -1;
}

/** The signed element of largest magnitude of xb[256] (the first on ties); amax is its magnitude. */
float signed_max(const float* xb, float amax) {
  const __m512 m = _mm512_set1_ps(amax);
  for (int i = 0; i < 16; i++) {
    const __mmask16 hit = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(xb + 16 * i)), m, _CMP_EQ_OQ);
    if (hit) return xb[16 * i + __builtin_ctz(hit)];
  }
  return 0.f;
}

int64_t k_row_simd(const float* x, int64_t K, int8_t* q, float* d, int16_t* bs) {
  for (int64_t b = 0; b < K / 256; b++) {
    const float* xb = x + 256 * b;
    __m512 mx = _mm512_setzero_ps();
    bool bad = false;
    for (int i = 0; i < 16; i++) {
      const __m512 v = _mm512_loadu_ps(xb + 16 * i);
      bad |= any_bad(v);
      mx = _mm512_max_ps(mx, _mm512_abs_ps(v));
    }
    if (bad) return 256 * b + first_bad(xb, 256);
    const float amax = _mm512_reduce_max_ps(mx);
    const float smax = amax == 0.f ? 0.f : signed_max(xb, amax);
    if (smax == 0.f) {
      memset(q + 256 * b, 0, 256);
      memset(bs + 16 * b, 0, 32);
      d[b] = 0.f;
      continue;
    }
    const float iscale = -127.f / smax;
    const __m512 is = _mm512_set1_ps(iscale);
    for (int g = 0; g < 16; g++) {
      __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb + 16 * g), is));
      v = _mm512_min_epi32(v, _mm512_set1_epi32(127));
      _mm_storeu_si128((__m128i*)(q + 256 * b + 16 * g), _mm512_cvtepi32_epi8(v));
      bs[16 * b + g] = (int16_t)_mm512_reduce_add_epi32(v);
    }
    d[b] = 1.f / iscale;
  }
  return -1;
}

#endif

/** Per-type lane parameters: weight offset on low / high lanes (elements 0..15 / 16..31 of a block) and the
 *  scale factor of the high lanes. The AVX-512 tiles keep Q4_0 / Q4_1 high nibbles 16x and flip Q8_0's sign
 *  bit; the AVX2 tiles (vpmaddubsw, which saturates) shift nibbles down and take Q8_0 signed as it is. */
struct LaneSpec {
  int offLo, offHi;
  float hiScale;
};

LaneSpec lane_spec(int type) {
  switch (type) {
#if WEFT_Q_AVX512
    case Q4_0: return {8, 128, 1.f / 16};
    case Q4_1: return {0, 0, 1.f / 16};
    case Q8_0: return {128, 128, 1.f};
#else
    case Q4_0: return {8, 8, 1.f};
#endif
    case Q5_0: return {16, 16, 1.f};
    default: return {0, 0, 1.f};  // Q5_1, and Q4_1 / Q8_0 on AVX2
  }
}

/** xc and dxb of one row (scalar). */
void lanes_scalar(const LaneSpec& ls, const int8_t* q, const float* d, int64_t nb, int32_t* xc, float* dxb) {
  for (int64_t p = 0; 2 * p < nb; p++) {
    for (int L = 0; L < 16; L++) {
      const int64_t b = 2 * p + L / 8;
      const bool hi = (L % 8) >= 4;
      int s = 0;
      if (b < nb)
        for (int i = 0; i < 4; i++) s += q[32 * b + 4 * (L % 8) + i];
      xc[16 * p + L] = -(hi ? ls.offHi : ls.offLo) * s;
      dxb[16 * p + L] = b < nb ? d[b] * (hi ? ls.hiScale : 1.f) : 0.f;
    }
  }
}

#if WEFT_Q_AVX512
void lanes_simd(const LaneSpec& ls, const int8_t* q, const float* d, int64_t nb, int32_t* xc, float* dxb) {
  const int lo = ls.offLo * 0x01010101, hi = ls.offHi * 0x01010101;
  const __m512i offs = _mm512_set_epi32(hi, hi, hi, hi, lo, lo, lo, lo, hi, hi, hi, hi, lo, lo, lo, lo);
  const float h = ls.hiScale;
  const __m512 fac = _mm512_set_ps(h, h, h, h, 1, 1, 1, 1, h, h, h, h, 1, 1, 1, 1);
  for (int64_t p = 0; 2 * p < nb; p++) {
    const bool two = 2 * p + 1 < nb;
    const __m512i xv = _mm512_maskz_loadu_epi8(two ? ~(__mmask64)0 : (__mmask64)0xffffffffu, q + 64 * p);
    _mm512_storeu_si512(xc + 16 * p, _mm512_sub_epi32(_mm512_setzero_si512(),
                                                     _mm512_dpbusd_epi32(_mm512_setzero_si512(), offs, xv)));
    const __m512 dv = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_set1_ps(d[2 * p])),
                                         _mm256_set1_ps(two ? d[2 * p + 1] : 0.f), 1);
    _mm512_storeu_ps(dxb + 16 * p, _mm512_mul_ps(dv, fac));
  }
}
#endif

}  // namespace

TypeInfo type_info(int type) {
  switch (type) {
    case Q4_0: return {32, 18, false};
    case Q4_1: return {32, 20, false};
    case Q5_0: return {32, 22, false};
    case Q5_1: return {32, 24, false};
    case Q8_0: return {32, 34, false};
    case Q2_K: return {256, 84, true};
    case Q3_K: return {256, 110, true};
    case Q4_K: return {256, 144, true};
    case Q5_K: return {256, 176, true};
    case Q6_K: return {256, 210, true};
    default: return {0, 0, false};
  }
}

bool act_alloc(Act* a, int type, int64_t M, int64_t K) {
  const bool ksuper = type_info(type).ksuper;
  a->type = type;
  a->M = M;
  a->K = K;
  a->ksuper = ksuper;
  a->nb = K / (ksuper ? 256 : 32);
  a->ldb = ksuper ? 0 : ((a->nb + 1) / 2) * 16;
  const size_t nq = up64((size_t)(M * K) + 128), nd = up64((size_t)(M * a->nb) * 4);
  const size_t nl = up64((size_t)(M * a->ldb) * 4), nbs = up64((size_t)(M * a->nb) * 32);
  const size_t need = nq + 2 * nd + (ksuper ? nbs : 2 * nl);
  Scratch& s = g_scratch;
  if (s.n < need) {
    free(s.p);
    s.p = aligned_alloc(64, need);
    s.n = s.p ? need : 0;
    if (!s.p) return false;
  }
  uint8_t* p = static_cast<uint8_t*>(s.p);
  a->q = reinterpret_cast<int8_t*>(p);
  a->d = reinterpret_cast<float*>(p + nq);
  a->ds = reinterpret_cast<float*>(p + nq + nd);
  a->bs = ksuper ? reinterpret_cast<int16_t*>(p + nq + 2 * nd) : nullptr;
  a->xc = ksuper ? nullptr : reinterpret_cast<int32_t*>(p + nq + 2 * nd);
  a->dxb = ksuper ? nullptr : reinterpret_cast<float*>(p + nq + 2 * nd + nl);
  return true;
}

int64_t act_quantize(Act* a, const float* x, int64_t m0, int64_t m1, bool simd) {
  const int64_t K = a->K, nb = a->nb;
  const LaneSpec ls = lane_spec(a->type);
  for (int64_t m = m0; m < m1; m++) {
    const float* xr = x + m * K;
    int8_t* q = a->q + m * K;
    float* d = a->d + m * nb;
    int64_t bad;
#if WEFT_Q_AVX512
    if (simd) {
      bad = a->ksuper ? k_row_simd(xr, K, q, d, a->bs + m * nb * 16) : legacy_row_simd(xr, K, q, d, a->ds + m * nb);
      if (bad < 0 && !a->ksuper) lanes_simd(ls, q, d, nb, a->xc + m * a->ldb, a->dxb + m * a->ldb);
    } else
#endif
    {
      bad = a->ksuper ? k_row_scalar(xr, K, q, d, a->bs + m * nb * 16) : legacy_row_scalar(xr, K, q, d, a->ds + m * nb);
      if (bad < 0 && simd && !a->ksuper) lanes_scalar(ls, q, d, nb, a->xc + m * a->ldb, a->dxb + m * a->ldb);
    }
    if (bad >= 0) return m * K + bad;
  }
  return -1;
}

}  // namespace quant
}  // namespace weft
