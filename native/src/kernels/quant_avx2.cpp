// AVX2 tiles of the quantised linear for x86 builds without AVX-512 VNNI/VBMI: one 32-element block (or
// sub-block pair) per 256-bit register, vpmaddubsw (unsigned levels x int8 activations, pair sums stay below
// 2^15) then vpmaddwd into int32 lanes, up to kMaxTile activation rows per decoded block. Legacy offsets come
// from the activation lanes (Act::xc, built for this build's lane spec); Q8_0 uses the sign trick.
// Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, Q4_K, Q5_K, Q6_K; Q2_K / Q3_K run the scalar dots.
#include "quant.h"
#if !WEFT_Q_AVX512 && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define WEFT_Q_AVX2 1
#include <immintrin.h>
#else
#define WEFT_Q_AVX2 0
#endif

namespace weft {
namespace quant {

#if WEFT_Q_AVX2

namespace {

/** 8 int32 lanes, each the sum of 4 products u[e] * s[e]. */
inline __m256i dot4(__m256i u, __m256i s) { return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)); }
inline float h2f_hw(const uint8_t* p) { return _cvtsh_ss(rd16(p)); }
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

/** [low nibbles | high nibbles] of the 16 bytes at qs. */
inline __m256i nibbles(const uint8_t* qs) {
  const __m128i t = _mm_loadu_si128((const __m128i*)qs);
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(15));
}

/** Byte e = 16 where bit e of qh is set, else 0. */
inline __m256i fifth_bits(uint32_t qh) {
  const __m256i spread = _mm256_set_epi64x(0x0303030303030303LL, 0x0202020202020202LL, 0x0101010101010101LL, 0);
  const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
  const __m256i v = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), spread), bit);
  return _mm256_and_si256(_mm256_cmpeq_epi8(v, bit), _mm256_set1_epi8(16));
}

struct LQ8_0 {
  static constexpr int kBytes = 34;
  static constexpr bool kSigned = true, kCorr = false, kMin = false;
  static __m256i levels(const uint8_t* b) { return _mm256_loadu_si256((const __m256i*)(b + 2)); }
};
struct LQ4_0 {
  static constexpr int kBytes = 18;
  static constexpr bool kSigned = false, kCorr = true, kMin = false;
  static __m256i levels(const uint8_t* b) { return nibbles(b + 2); }
};
struct LQ4_1 {
  static constexpr int kBytes = 20;
  static constexpr bool kSigned = false, kCorr = false, kMin = true;
  static __m256i levels(const uint8_t* b) { return nibbles(b + 4); }
};
struct LQ5_0 {
  static constexpr int kBytes = 22;
  static constexpr bool kSigned = false, kCorr = true, kMin = false;
  static __m256i levels(const uint8_t* b) { return _mm256_or_si256(nibbles(b + 6), fifth_bits(rd32(b + 2))); }
};
struct LQ5_1 {
  static constexpr int kBytes = 24;
  static constexpr bool kSigned = false, kCorr = false, kMin = true;
  static __m256i levels(const uint8_t* b) { return _mm256_or_si256(nibbles(b + 8), fifth_bits(rd32(b + 4))); }
};

template <class L, int MT>
void legacy_rows(const uint8_t* w, int64_t rb, int64_t nrows, const Act& a, int64_t m0, float* out, int64_t ldo) {
  for (int64_t j = 0; j < nrows; j++) {
    __m256 acc[MT];
    float accm[MT];
    for (int i = 0; i < MT; i++) {
      acc[i] = _mm256_setzero_ps();
      accm[i] = 0.f;
    }
    for (int64_t b = 0; b < a.nb; b++) {
      const uint8_t* blk = w + j * rb + L::kBytes * b;
      const __m256i lv = L::levels(blk);
      const __m256 dw = _mm256_set1_ps(h2f_hw(blk));
      const __m256i ulv = L::kSigned ? _mm256_sign_epi8(lv, lv) : lv;
      for (int i = 0; i < MT; i++) {
        const int64_t m = m0 + i;
        const __m256i x = _mm256_loadu_si256((const __m256i*)(a.q + m * a.K + 32 * b));
        __m256i dot = dot4(ulv, L::kSigned ? _mm256_sign_epi8(x, lv) : x);
        if (L::kCorr) dot = _mm256_add_epi32(dot, _mm256_loadu_si256((const __m256i*)(a.xc + m * a.ldb + 8 * b)));
        const __m256 s = _mm256_mul_ps(dw, _mm256_loadu_ps(a.dxb + m * a.ldb + 8 * b));
        acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), s, acc[i]);
        if (L::kMin) accm[i] += h2f_hw(blk + 2) * a.ds[m * a.nb + b];
      }
    }
    for (int i = 0; i < MT; i++) out[i * ldo + j] = hsum(acc[i]) + accm[i];
  }
}

/** Q4_K / Q5_K: one super-block of one row against MT activation rows; returns via acc / accm. */
template <bool FIVE, int MT>
inline void k45_block(const uint8_t* blk, const Act& a, int64_t m0, int64_t b, __m256* acc, float* accm) {
  uint8_t sc[8], mn[8];
  unpack_k4_scales(blk + 4, sc, mn);
  const float d = h2f_hw(blk), dmin = h2f_hw(blk + 2);
  const uint8_t* qs = blk + (FIVE ? 48 : 16);
  const __m256i m15 = _mm256_set1_epi8(15);
  __m256i sumi[MT];
  for (int i = 0; i < MT; i++) sumi[i] = _mm256_setzero_si256();
  const __m256i qh = FIVE ? _mm256_loadu_si256((const __m256i*)(blk + 16)) : _mm256_setzero_si256();
  for (int p = 0; p < 4; p++) {
    const __m256i qv = _mm256_loadu_si256((const __m256i*)(qs + 32 * p));
    __m256i lo = _mm256_and_si256(qv, m15), hi = _mm256_and_si256(_mm256_srli_epi16(qv, 4), m15);
    if (FIVE) {
      const __m256i one = _mm256_set1_epi8(1);
      lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * p)), one), 4));
      hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * p + 1)), one), 4));
    }
    const __m256i s0 = _mm256_set1_epi16(sc[2 * p]), s1 = _mm256_set1_epi16(sc[2 * p + 1]);
    for (int i = 0; i < MT; i++) {
      const int8_t* x = a.q + (m0 + i) * a.K + 256 * b + 64 * p;
      const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i*)x)), s0);
      const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i*)(x + 32))), s1);
      sumi[i] = _mm256_add_epi32(sumi[i], _mm256_add_epi32(p0, p1));
    }
  }
  for (int i = 0; i < MT; i++) {
    const int64_t r = (m0 + i) * a.nb + b;
    const int16_t* bs = a.bs + 16 * r;
    int summ = 0;
    for (int j = 0; j < 8; j++) summ += mn[j] * (bs[2 * j] + bs[2 * j + 1]);
    acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[i]), _mm256_set1_ps(d * a.d[r]), acc[i]);
    accm[i] -= dmin * a.d[r] * (float)summ;
  }
}

/** Q6_K: one super-block of one row against MT activation rows. */
template <int MT>
inline void q6k_block(const uint8_t* blk, const Act& a, int64_t m0, int64_t b, __m256* acc, float* accm) {
  const int8_t* sc = reinterpret_cast<const int8_t*>(blk + 192);
  const float d = h2f_hw(blk + 208);
  __m256i sumi[MT];
  for (int i = 0; i < MT; i++) sumi[i] = _mm256_setzero_si256();
  for (int n = 0; n < 2; n++) {
    const __m256i qh = _mm256_loadu_si256((const __m256i*)(blk + 128 + 32 * n));
    for (int m = 0; m < 4; m++) {
      const __m256i ql = _mm256_loadu_si256((const __m256i*)(blk + 64 * n + 32 * (m & 1)));
      const __m256i lo = _mm256_and_si256(m >= 2 ? _mm256_srli_epi16(ql, 4) : ql, _mm256_set1_epi8(15));
      const __m256i hi = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * m)), _mm256_set1_epi8(3));
      const __m256i q = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));
      const int j0 = 8 * n + 2 * m;
      const __m256i scv = _mm256_set_m128i(_mm_set1_epi16(sc[j0 + 1]), _mm_set1_epi16(sc[j0]));
      for (int i = 0; i < MT; i++) {
        const int8_t* x = a.q + (m0 + i) * a.K + 256 * b + 128 * n + 32 * m;
        const __m256i v = _mm256_maddubs_epi16(q, _mm256_loadu_si256((const __m256i*)x));
        sumi[i] = _mm256_add_epi32(sumi[i], _mm256_madd_epi16(v, scv));
      }
    }
  }
  for (int i = 0; i < MT; i++) {
    const int64_t r = (m0 + i) * a.nb + b;
    const int16_t* bs = a.bs + 16 * r;
    int corr = 0;
    for (int j = 0; j < 16; j++) corr += sc[j] * bs[j];
    acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[i]), _mm256_set1_ps(d * a.d[r]), acc[i]);
    accm[i] -= 32.f * d * a.d[r] * (float)corr;
  }
}

template <int KIND, int MT>  // KIND 0 Q4_K, 1 Q5_K, 2 Q6_K
void k_rows(const uint8_t* w, int64_t rb, int64_t nrows, const Act& a, int64_t m0, float* out, int64_t ldo) {
  constexpr int B = KIND == 0 ? 144 : KIND == 1 ? 176 : 210;
  for (int64_t j = 0; j < nrows; j++) {
    __m256 acc[MT];
    float accm[MT];
    for (int i = 0; i < MT; i++) {
      acc[i] = _mm256_setzero_ps();
      accm[i] = 0.f;
    }
    for (int64_t b = 0; b < a.nb; b++) {
      const uint8_t* blk = w + j * rb + B * b;
      if (KIND == 2) q6k_block<MT>(blk, a, m0, b, acc, accm);
      else k45_block<KIND == 1, MT>(blk, a, m0, b, acc, accm);
    }
    for (int i = 0; i < MT; i++) out[i * ldo + j] = hsum(acc[i]) + accm[i];
  }
}

template <template <int> class R>
void by_mt(const uint8_t* w, int64_t rb, int64_t nrows, const Act& a, int64_t m0, int mt, float* out, int64_t ldo) {
  switch (mt) {
    case 1: R<1>::run(w, rb, nrows, a, m0, out, ldo); break;
    case 2: R<2>::run(w, rb, nrows, a, m0, out, ldo); break;
    case 3: R<3>::run(w, rb, nrows, a, m0, out, ldo); break;
    default: R<4>::run(w, rb, nrows, a, m0, out, ldo); break;
  }
}

template <class L>
struct Legacy {
  template <int MT>
  struct R {
    static void run(const uint8_t* w, int64_t rb, int64_t n, const Act& a, int64_t m0, float* out, int64_t ldo) {
      legacy_rows<L, MT>(w, rb, n, a, m0, out, ldo);
    }
  };
};

template <int KIND>
struct KQ {
  template <int MT>
  struct R {
    static void run(const uint8_t* w, int64_t rb, int64_t n, const Act& a, int64_t m0, float* out, int64_t ldo) {
      k_rows<KIND, MT>(w, rb, n, a, m0, out, ldo);
    }
  };
};

}  // namespace

TileFn simd_tile_avx2(int type) {
  switch (type) {
    case Q8_0: return by_mt<Legacy<LQ8_0>::R>;
    case Q4_0: return by_mt<Legacy<LQ4_0>::R>;
    case Q4_1: return by_mt<Legacy<LQ4_1>::R>;
    case Q5_0: return by_mt<Legacy<LQ5_0>::R>;
    case Q5_1: return by_mt<Legacy<LQ5_1>::R>;
    case Q4_K: return by_mt<KQ<0>::R>;
    case Q5_K: return by_mt<KQ<1>::R>;
    case Q6_K: return by_mt<KQ<2>::R>;
    default: return nullptr;
  }
}

#else

TileFn simd_tile_avx2(int) { return nullptr; }

#endif

}  // namespace quant
}  // namespace weft
