// AVX-512 VNNI tiles for the K-quants (Q2_K..Q6_K) against Q8_K activations. Per super-block, each weight row
// yields a head (scales widened to int32 lanes, d, dmin) and four 64-element chunks of unsigned levels; every
// activation row takes vpdpbusd (levels x int8) then vpdpwssd (x the lane's sub-block scale) per chunk, all in
// exact integers. Offsets (Q3_K, Q6_K) and mins (Q2_K, Q4_K, Q5_K) come from the activations' Q8_K bsums.
#include "quant.h"
#if WEFT_Q_AVX512
#include "quant_avx512.h"
#endif

namespace weft {
namespace quant {

#if WEFT_Q_AVX512

namespace {

/** A super-block's scales: s32 holds the sub-block scales as int32 (int16 in the low half, high half 0);
 *  mins / corr are the int16 multipliers of the 16 bsums for the dmin term / the offset term. */
struct KHead {
  __m512i s32;
  __m256i mc;
  float d, dmin;
};

inline __m512i bytes2(int lo, int hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi8((char)lo)), _mm256_set1_epi8((char)hi), 1);
}
inline __m512i words2(int lo, int hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)lo)), _mm256_set1_epi16((short)hi), 1);
}
inline __m512i bcast256(const uint8_t* p) { return _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i*)p)); }
inline float h2f_hw(const uint8_t* p) { return _cvtsh_ss(rd16(p)); }

/** Lane scales of chunk c for 32-element sub-blocks (2c on lanes 0..7, 2c+1 on 8..15). */
inline __m512i scales32(__m512i s32, int c) {
  const __m512i base = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_permutexvar_epi32(_mm512_add_epi32(base, _mm512_set1_epi32(2 * c)), s32);
}
/** Lane scales of chunk c for 16-element sub-blocks (4c .. 4c+3, four lanes each). */
inline __m512i scales16(__m512i s32, int c) {
  const __m512i base = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
  return _mm512_permutexvar_epi32(_mm512_add_epi32(base, _mm512_set1_epi32(4 * c)), s32);
}
/** The 2-bit field k0 (lower half) / k0 + 1 (upper half) of the 32 bytes at p, per byte. */
inline __m512i crumbs(const uint8_t* p, int k0) {
  return _mm512_and_si512(_mm512_srlv_epi16(bcast256(p), words2(2 * k0, 2 * k0 + 2)), _mm512_set1_epi8(3));
}

template <bool FIVE>
struct DecQ45K {
  static constexpr int kBytes = FIVE ? 176 : 144;
  static constexpr bool kMins = true, kCorr = false;
  static void head(const uint8_t* blk, KHead& h) {
    h.d = h2f_hw(blk);
    h.dmin = h2f_hw(blk + 2);
    const uint32_t u0 = rd32(blk + 4), u1 = rd32(blk + 8), u2 = rd32(blk + 12);
    const uint64_t sc = (u0 & 0x3f3f3f3fu) | (uint64_t)((u2 & 0x0f0f0f0fu) | ((u0 >> 6) & 0x03030303u) << 4) << 32;
    const uint64_t mn = (u1 & 0x3f3f3f3fu) | (uint64_t)(((u2 >> 4) & 0x0f0f0f0fu) | ((u1 >> 6) & 0x03030303u) << 4) << 32;
    h.s32 = _mm512_cvtepu8_epi32(_mm_cvtsi64_si128((long long)sc));
    const __m128i dup = _mm_set_epi8(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    h.mc = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(_mm_cvtsi64_si128((long long)mn), dup));
  }
  static __m512i chunk(const uint8_t* blk, const KHead& h, int c, __m512i* sc) {
    *sc = scales32(h.s32, c);
    __m512i q = _mm512_and_si512(_mm512_srlv_epi16(bcast256(blk + (FIVE ? 48 : 16) + 32 * c), words2(0, 4)),
                                 _mm512_set1_epi8(15));
    if (FIVE) {
      const __mmask64 hb = _mm512_test_epi8_mask(bcast256(blk + 16), bytes2(1 << (2 * c), 1 << (2 * c + 1)));
      q = _mm512_mask_add_epi8(q, hb, q, _mm512_set1_epi8(16));
    }
    return q;
  }
};

struct DecQ6K {
  static constexpr int kBytes = 210;
  static constexpr bool kMins = false, kCorr = true;
  static void head(const uint8_t* blk, KHead& h) {
    h.d = h2f_hw(blk + 208);
    const __m128i sc8 = _mm_loadu_si128((const __m128i*)(blk + 192));
    h.s32 = _mm512_and_si512(_mm512_cvtepi8_epi32(sc8), _mm512_set1_epi32(0xffff));
    h.mc = _mm256_slli_epi16(_mm256_cvtepi8_epi16(sc8), 5);  // levels are stored + 32
  }
  static __m512i chunk(const uint8_t* blk, const KHead& h, int c, __m512i* sc) {
    *sc = scales16(h.s32, c);
    const int n = c >> 1;
    const __m512i ql = _mm512_loadu_si512(blk + 64 * n), qh = bcast256(blk + 128 + 32 * n);
    const __m512i lo = _mm512_and_si512(c & 1 ? _mm512_srli_epi16(ql, 4) : ql, _mm512_set1_epi8(15));
    const __m512i hi = c & 1 ? _mm512_srlv_epi16(qh, words2(0, 2)) : _mm512_sllv_epi16(qh, words2(4, 2));
    return _mm512_ternarylogic_epi32(hi, _mm512_set1_epi8(0x30), lo, 0xEA);  // (hi & 0x30) | lo
  }
};

struct DecQ2K {
  static constexpr int kBytes = 84;
  static constexpr bool kMins = true, kCorr = false;
  static void head(const uint8_t* blk, KHead& h) {
    h.d = h2f_hw(blk + 80);
    h.dmin = h2f_hw(blk + 82);
    const __m128i s8 = _mm_loadu_si128((const __m128i*)blk), lo4 = _mm_set1_epi8(15);
    h.s32 = _mm512_cvtepu8_epi32(_mm_and_si128(s8, lo4));
    h.mc = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(s8, 4), lo4));
  }
  static __m512i chunk(const uint8_t* blk, const KHead& h, int c, __m512i* sc) {
    *sc = scales16(h.s32, c);
    return crumbs(blk + 16 + 32 * (c >> 1), 2 * (c & 1));
  }
};

struct DecQ3K {
  static constexpr int kBytes = 110;
  static constexpr bool kMins = false, kCorr = true;
  static void head(const uint8_t* blk, KHead& h) {
    h.d = h2f_hw(blk + 108);
    const uint8_t* s = blk + 96;
    const uint32_t a0 = rd32(s), a1 = rd32(s + 4), t = rd32(s + 8), m4 = 0x0f0f0f0fu, m2 = 0x03030303u;
    const __m128i u = _mm_set_epi32((int)(((a1 >> 4) & m4) | ((t >> 6) & m2) << 4), (int)(((a0 >> 4) & m4) | ((t >> 4) & m2) << 4),
                                    (int)((a1 & m4) | ((t >> 2) & m2) << 4), (int)((a0 & m4) | (t & m2) << 4));
    const __m128i sc8 = _mm_sub_epi8(u, _mm_set1_epi8(32));  // see unpack_k3_scales
    h.s32 = _mm512_and_si512(_mm512_cvtepi8_epi32(sc8), _mm512_set1_epi32(0xffff));
    h.mc = _mm256_slli_epi16(_mm256_cvtepi8_epi16(sc8), 2);  // levels are stored + 4
  }
  static __m512i chunk(const uint8_t* blk, const KHead& h, int c, __m512i* sc) {
    *sc = scales16(h.s32, c);
    const int n = c >> 1, k0 = 2 * (c & 1);
    const __m512i low = crumbs(blk + 32 + 32 * n, k0);
    const __mmask64 hb = _mm512_test_epi8_mask(bcast256(blk), bytes2(1 << (4 * n + k0), 1 << (4 * n + k0 + 1)));
    return _mm512_mask_add_epi8(low, hb, low, _mm512_set1_epi8(4));
  }
};

/** NR weight rows x MT activation rows over all super-blocks. */
template <class Dec>
struct Tile {
  template <int NR, int MT>
  static void run(const uint8_t* w, int64_t rb, const Act& a, int64_t m0, float* out, int64_t ldo) {
    __m512 acc[NR][MT];
    for (int j = 0; j < NR; j++)
      for (int i = 0; i < MT; i++) acc[j][i] = _mm512_setzero_ps();
    for (int64_t b = 0; b < a.nb; b++) block<NR, MT>(w + Dec::kBytes * b, rb, a, m0, b, acc);
    for (int i = 0; i < MT; i++) {
      __m512 t[NR];
      for (int j = 0; j < NR; j++) t[j] = acc[j][i];
      store_sums<NR>(t, out + i * ldo);
    }
  }

  template <int NR, int MT>
  static inline void block(const uint8_t* w, int64_t rb, const Act& a, int64_t m0, int64_t b, __m512 (&acc)[NR][MT]) {
    KHead h[NR];
    __m512i s[NR][MT];
    for (int j = 0; j < NR; j++) {
      Dec::head(w + j * rb, h[j]);
      for (int i = 0; i < MT; i++) s[j][i] = _mm512_setzero_si512();
    }
    for (int c = 0; c < 4; c++) {
      __m512i q[NR], sc[NR];
      for (int j = 0; j < NR; j++) q[j] = Dec::chunk(w + j * rb, h[j], c, &sc[j]);
      for (int i = 0; i < MT; i++) {
        const __m512i x = _mm512_loadu_si512(a.q + (m0 + i) * a.K + 256 * b + 64 * c);
        for (int j = 0; j < NR; j++)
          s[j][i] = _mm512_dpwssd_epi32(s[j][i], _mm512_dpbusd_epi32(_mm512_setzero_si512(), q[j], x), sc[j]);
      }
    }
    for (int i = 0; i < MT; i++) {
      const int64_t r = (m0 + i) * a.nb + b;
      const __m256i bs = _mm256_loadu_si256((const __m256i*)(a.bs + 16 * r));
      const float dx = a.d[r];
      for (int j = 0; j < NR; j++) {
        __m512i si = s[j][i];
        if (Dec::kCorr) si = _mm512_sub_epi32(si, _mm512_zextsi256_si512(_mm256_madd_epi16(h[j].mc, bs)));
        acc[j][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(si), _mm512_set1_ps(h[j].d * dx), acc[j][i]);
        if (Dec::kMins) {
          const __m256 mm = _mm256_cvtepi32_ps(_mm256_madd_epi16(h[j].mc, bs));
          acc[j][i] = _mm512_fmadd_ps(_mm512_zextps256_ps512(mm), _mm512_set1_ps(-h[j].dmin * dx), acc[j][i]);
        }
      }
    }
  }
};

}  // namespace

TileFn simd_tile_avx512_k(int type) {
  switch (type) {
    case Q2_K: return tile_rows<Tile<DecQ2K>>;
    case Q3_K: return tile_rows<Tile<DecQ3K>>;
    case Q4_K: return tile_rows<Tile<DecQ45K<false>>>;
    case Q5_K: return tile_rows<Tile<DecQ45K<true>>>;
    case Q6_K: return tile_rows<Tile<DecQ6K>>;
    default: return nullptr;
  }
}

#else

TileFn simd_tile_avx512_k(int) { return nullptr; }

#endif

}  // namespace quant
}  // namespace weft
