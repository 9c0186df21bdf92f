// AVX-512 VNNI tiles for the 32-element block types (Q8_0, Q4_0, Q5_0, Q4_1, Q5_1): a pair of weight blocks is
// read with one masked load, spread into one 512-bit register of unsigned levels by vpermb, and dotted with
// up to kMaxTile activation rows by vpdpbusd. The weight offsets (-8, -16, +128 for Q8_0's sign flip) are
// removed on the activation side: vpdpbusd starts from the row's precomputed -off * sum(x) lanes (Act::xc).
// Q4_0 / Q4_1 leave the high nibble in place (16x) and the activation scale lanes carry the 1/16.
#include "quant.h"

#if WEFT_Q_AVX512
#include "quant_avx512.h"
#endif

namespace weft {
namespace quant {

#if WEFT_Q_AVX512

namespace {

/** A decoded pair of weight blocks. */
struct Pair {
  __m512i w;  // unsigned levels: block b in bytes 0..31, block b+1 in 32..63
  __m512 dw;  // the blocks' scales, each over its 8 lanes
  __m128 mw;  // Q4_1 / Q5_1: the blocks' mins in lanes 0, 1
};

struct alignas(64) Idx {
  uint8_t b[64];
};

/** vpermb index: [qs0, qs0, qs1, qs1] (16 bytes each) from a pair whose qs start at bytes q0 and q1. */
constexpr Idx nibble_idx(int q0, int q1) {
  Idx r{};
  for (int i = 0; i < 16; i++) {
    r.b[i] = r.b[16 + i] = (uint8_t)(q0 + i);
    r.b[32 + i] = r.b[48 + i] = (uint8_t)(q1 + i);
  }
  return r;
}

/** vpermt2b index: bytes 2..33 of the first source, then the 32 bytes of the second. */
constexpr Idx q8_idx() {
  Idx r{};
  for (int i = 0; i < 32; i++) {
    r.b[i] = (uint8_t)(2 + i);
    r.b[32 + i] = (uint8_t)(64 + i);
  }
  return r;
}

constexpr Idx kNibQ4_0 = nibble_idx(2, 20), kNibQ4_1 = nibble_idx(4, 24);
constexpr Idx kNibQ5_0 = nibble_idx(6, 28), kNibQ5_1 = nibble_idx(8, 32);
constexpr Idx kQ8 = q8_idx();

inline __m512i ld(const Idx& i) { return _mm512_load_si512(i.b); }
inline __mmask64 first_bytes(int n) { return n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1); }

/** Two f16 values (at b0 + off and, when two, b0 + B + off) as f32 lanes 0, 1. */
inline __m128 pair_halfs(const uint8_t* b0, int B, int off, int nvalid) {
  const uint32_t h = rd16(b0 + off) | (nvalid == 2 ? (uint32_t)rd16(b0 + B + off) << 16 : 0u);
  return _mm_cvtph_ps(_mm_cvtsi32_si128((int)h));
}

/** The pair's scales, each over its 8 lanes (and its mins at byte 2 for the _1 types). Scalar loads and a
 *  128-bit convert: cheaper on Zen 4 than vpermw + a 512-bit vcvtph2ps. */
template <bool MIN>
inline void pair_scales(const uint8_t* b0, int B, int nvalid, Pair& p) {
  const __m512i idx = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  p.dw = _mm512_permutexvar_ps(idx, _mm512_castps128_ps512(pair_halfs(b0, B, 0, nvalid)));
  if (MIN) p.mw = pair_halfs(b0, B, 2, nvalid);
}

/** Low nibbles as they are, high nibbles left in place (16x): [qs0 & 15, qs0 & 240, qs1 & 15, qs1 & 240]. */
inline __m512i nibbles16(__m512i raw, const Idx& idx) {
  const __m512i m = _mm512_set_epi64(-0x0f0f0f0f0f0f0f10LL, -0x0f0f0f0f0f0f0f10LL, 0x0f0f0f0f0f0f0f0fLL,
                                     0x0f0f0f0f0f0f0f0fLL, -0x0f0f0f0f0f0f0f10LL, -0x0f0f0f0f0f0f0f10LL,
                                     0x0f0f0f0f0f0f0f0fLL, 0x0f0f0f0f0f0f0f0fLL);
  return _mm512_and_si512(_mm512_permutexvar_epi8(ld(idx), raw), m);
}

/** Both nibbles as 0..15, plus 16 where the pair's qh bit (words at qh0, qh1) is set. */
inline __m512i levels5(__m512i raw, const Idx& idx, const uint8_t* qh0, const uint8_t* qh1, int nvalid) {
  const __m512i sh = _mm512_set_epi64(0x0004000400040004LL, 0x0004000400040004LL, 0, 0,
                                      0x0004000400040004LL, 0x0004000400040004LL, 0, 0);
  const __m512i v = _mm512_and_si512(_mm512_srlv_epi16(_mm512_permutexvar_epi8(ld(idx), raw), sh), _mm512_set1_epi8(15));
  const __mmask64 k = (__mmask64)rd32(qh0) | (nvalid == 2 ? (__mmask64)rd32(qh1) << 32 : 0);
  return _mm512_mask_add_epi8(v, k, v, _mm512_set1_epi8(16));
}

struct DecQ8_0 {
  static constexpr int kBytes = 34;
  static constexpr bool kMin = false, kCorr = true;
  static void decode(const uint8_t* b0, int nvalid, Pair& p) {
    const __m512i raw = _mm512_maskz_loadu_epi8(first_bytes(nvalid * kBytes), b0);
    const __m512i tail = nvalid == 2 ? _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i*)(b0 + 36)))
                                     : _mm512_setzero_si512();
    p.w = _mm512_xor_si512(_mm512_permutex2var_epi8(raw, ld(kQ8), tail), _mm512_set1_epi8((char)0x80));
    pair_scales<false>(b0, kBytes, nvalid, p);
  }
};

struct DecQ4_0 {
  static constexpr int kBytes = 18;
  static constexpr bool kMin = false, kCorr = true;
  static void decode(const uint8_t* b0, int nvalid, Pair& p) {
    const __m512i raw = _mm512_maskz_loadu_epi8(first_bytes(nvalid * kBytes), b0);
    p.w = nibbles16(raw, kNibQ4_0);
    pair_scales<false>(b0, kBytes, nvalid, p);
  }
};

struct DecQ4_1 {
  static constexpr int kBytes = 20;
  static constexpr bool kMin = true, kCorr = false;
  static void decode(const uint8_t* b0, int nvalid, Pair& p) {
    const __m512i raw = _mm512_maskz_loadu_epi8(first_bytes(nvalid * kBytes), b0);
    p.w = nibbles16(raw, kNibQ4_1);
    pair_scales<true>(b0, kBytes, nvalid, p);
  }
};

struct DecQ5_0 {
  static constexpr int kBytes = 22;
  static constexpr bool kMin = false, kCorr = true;
  static void decode(const uint8_t* b0, int nvalid, Pair& p) {
    const __m512i raw = _mm512_maskz_loadu_epi8(first_bytes(nvalid * kBytes), b0);
    p.w = levels5(raw, kNibQ5_0, b0 + 2, b0 + kBytes + 2, nvalid);
    pair_scales<false>(b0, kBytes, nvalid, p);
  }
};

struct DecQ5_1 {
  static constexpr int kBytes = 24;
  static constexpr bool kMin = true, kCorr = false;
  static void decode(const uint8_t* b0, int nvalid, Pair& p) {
    const __m512i raw = _mm512_maskz_loadu_epi8(first_bytes(nvalid * kBytes), b0);
    p.w = levels5(raw, kNibQ5_1, b0 + 4, b0 + kBytes + 4, nvalid);
    pair_scales<true>(b0, kBytes, nvalid, p);
  }
};

/** NR weight rows x MT activation rows over all pairs of blocks. */
template <class Dec>
struct Tile {
  template <int NR, int MT>
  static void run(const uint8_t* w, int64_t rb, const Act& a, int64_t m0, float* out, int64_t ldo) {
    __m512 acc[NR][MT];
    __m128 accm[NR][MT];
    for (int j = 0; j < NR; j++)
      for (int i = 0; i < MT; i++) {
        acc[j][i] = _mm512_setzero_ps();
        accm[j][i] = _mm_setzero_ps();
      }
    const int64_t nb = a.nb;
    for (int64_t b = 0; b < nb; b += 2) {
      if (b + 2 <= nb) step<NR, MT, 2>(w, rb, a, m0, b, acc, accm);
      else step<NR, MT, 1>(w, rb, a, m0, b, acc, accm);
    }
    for (int i = 0; i < MT; i++) {
      __m512 t[NR];
      for (int j = 0; j < NR; j++)
        t[j] = Dec::kMin ? _mm512_add_ps(acc[j][i], _mm512_zextps128_ps512(accm[j][i])) : acc[j][i];
      store_sums<NR>(t, out + i * ldo);
    }
  }

  /** Blocks b, b+1 (NV = 2) or b alone (NV = 1, paired with zeros) of every row. */
  template <int NR, int MT, int NV>
  static inline void step(const uint8_t* w, int64_t rb, const Act& a, int64_t m0, int64_t b, __m512 (&acc)[NR][MT],
                          __m128 (&accm)[NR][MT]) {
    Pair p[NR];
    for (int j = 0; j < NR; j++) Dec::decode(w + j * rb + Dec::kBytes * b, NV, p[j]);
    for (int i = 0; i < MT; i++) {
      const int64_t m = m0 + i;
      const __m512i x = _mm512_loadu_si512(a.q + m * a.K + 32 * b);
      const __m512i c = Dec::kCorr ? _mm512_loadu_si512(a.xc + m * a.ldb + 8 * b) : _mm512_setzero_si512();
      const __m512 dx = _mm512_loadu_ps(a.dxb + m * a.ldb + 8 * b);
      const __m128 ds = Dec::kMin ? _mm_maskz_loadu_ps((__mmask8)(NV == 2 ? 3 : 1), a.ds + m * a.nb + b) : _mm_setzero_ps();
      for (int j = 0; j < NR; j++) {
        const __m512i dot = _mm512_dpbusd_epi32(c, p[j].w, x);
        acc[j][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(p[j].dw, dx), acc[j][i]);
        if (Dec::kMin) accm[j][i] = _mm_fmadd_ps(p[j].mw, ds, accm[j][i]);
      }
    }
  }
};

}  // namespace

TileFn simd_tile_avx512_legacy(int type) {
  switch (type) {
    case Q8_0: return tile_rows<Tile<DecQ8_0>>;
    case Q4_0: return tile_rows<Tile<DecQ4_0>>;
    case Q5_0: return tile_rows<Tile<DecQ5_0>>;
    case Q4_1: return tile_rows<Tile<DecQ4_1>>;
    case Q5_1: return tile_rows<Tile<DecQ5_1>>;
    default: return nullptr;
  }
}

#else

TileFn simd_tile_avx512_legacy(int) { return nullptr; }

#endif

}  // namespace quant
}  // namespace weft
