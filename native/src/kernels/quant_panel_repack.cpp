// Weight repacking for the quantised prefill panels: GGML blocks (legacy 32-blocks, Q4_K/Q5_K and the 16-element
// sub-blocks of Q2_K/Q3_K/Q6_K) decoded to signed levels and transposed so 32-bit lane t holds block t of a group.
#include <string.h>

#include "quant.h"
#include "quant_panel_repack.h"
#if WEFT_Q_AVX512
#include "quant_avx512.h"
#endif

namespace weft {
namespace quant {

#if WEFT_Q_AVX512

Geom geom(const Act& a) {
  Geom g;
  g.L = a.type == Q2_K || a.type == Q3_K || a.type == Q6_K ? 16 : 32;
  g.kv = g.L / 4;
  const int64_t nblk = a.K / g.L;
  g.ng = (nblk + 15) / 16;
  g.lastHalf = nblk % 16 != 0 && nblk % 16 <= 8;
  g.wgroup = (size_t)g.kv * 64 + 192;
  g.xgroup = (size_t)g.kv * 64 + 128;
  return g;
}

namespace {

inline __m512i bcast256(const uint8_t* p) { return _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i*)p)); }
inline __m512i words2(int lo, int hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)lo)), _mm256_set1_epi16((short)hi), 1);
}
inline __m512i bytes2(int lo, int hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi8((char)lo)), _mm256_set1_epi8((char)hi), 1);
}

/** Natural-order levels of two 32-element legacy blocks (b0 and, when two, the next) as 0..15 (+16 with qh). */
inline __m512i legacy_levels(const uint8_t* b0, int B, int qs, int qh, bool two) {
  const uint8_t* b1 = b0 + B;
  __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i*)(b0 + qs)))),
                                 two ? _mm256_castsi128_si256(_mm_loadu_si128((const __m128i*)(b1 + qs))) : _mm256_setzero_si256(), 1);
  // [qs0 | 0 | qs1 | 0] -> [qs0 | qs0 | qs1 | qs1] -> nibbles
  v = _mm512_shuffle_i64x2(v, v, _MM_SHUFFLE(2, 2, 0, 0));
  const __m512i sh = _mm512_set_epi64(0x0004000400040004LL, 0x0004000400040004LL, 0, 0,
                                      0x0004000400040004LL, 0x0004000400040004LL, 0, 0);
  v = _mm512_and_si512(_mm512_srlv_epi16(v, sh), _mm512_set1_epi8(15));
  if (qh >= 0) {
    const __mmask64 k = (__mmask64)rd32(b0 + qh) | (two ? (__mmask64)rd32(b1 + qh) << 32 : 0);
    v = _mm512_mask_add_epi8(v, k, v, _mm512_set1_epi8(16));
  }
  return v;
}

/** Index vectors of one butterfly stage that swaps a register bit with lane bit p (see transpose_group). */
inline __m512i stage_idx(int p, bool hi) {
  alignas(64) int32_t v[16];
  for (int i = 0; i < 16; i++) {
    const bool set = (i >> p) & 1;
    v[i] = hi ? (set ? 16 + i : (i | 1 << p)) : (set ? 16 + (i & ~(1 << p)) : i);
  }
  return _mm512_load_si512(v);
}

/** Transposes a group from natural order (Z[r], 16 / kv blocks per register, kv dwords each) to one register
 *  per dword k holding that dword of blocks 0..15 in lanes 0..15: log2(kv) vpermt2d stages, each swapping
 *  one register-index bit with one lane-index bit, then one vpermd restoring block order. */
inline void transpose_group(__m512i* Z, int kv) {
  const int stages = kv == 8 ? 3 : 2;
  for (int st = 0; st < stages; st++) {
    const __m512i lo = stage_idx(st, false), hi = stage_idx(st, true);
    for (int r = 0; r < kv; r++) {
      if ((r >> st) & 1) continue;
      const __m512i x = Z[r], y = Z[r | 1 << st];
      Z[r] = _mm512_permutex2var_epi32(x, lo, y);
      Z[r | 1 << st] = _mm512_permutex2var_epi32(x, hi, y);
    }
  }
  alignas(64) int32_t fix[16];
  for (int t = 0; t < 16; t++)
    fix[t] = kv == 8 ? ((t & 1) << 3 | (t >> 3 & 1) << 2 | (t >> 2 & 1) << 1 | (t >> 1 & 1))
                     : ((t >> 1 & 1) << 3 | (t & 1) << 2 | (t >> 3 & 1) << 1 | (t >> 2 & 1));
  const __m512i f = _mm512_load_si512(fix);
  for (int k = 0; k < kv; k++) Z[k] = _mm512_permutexvar_epi32(f, Z[k]);
}

/** Stores a group given in natural order (Z: 2 blocks per vector for L = 32, 4 for L = 16) in the
 *  transposed layout at dst, with each block's correction -128 * sum(w). Scales are written by the caller. */
inline void store_group(__m512i* Z, int kv, uint8_t* dst) {
  transpose_group(Z, kv);
  __m512i sum = _mm512_setzero_si512();
  for (int k = 0; k < kv; k++) {
    _mm512_store_si512(dst + 64 * k, Z[k]);
    sum = _mm512_dpbusd_epi32(sum, _mm512_set1_epi8(1), Z[k]);
  }
  _mm512_store_si512(dst + 64 * kv + 64, _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sum, 7)));
}

/** One weight row of a legacy type into ng group records. */
void repack_legacy(int type, const uint8_t* w, int64_t nb, const Geom& g, uint8_t* dst) {
  const TypeInfo ti = type_info(type);
  const int B = ti.bytes;
  const int qs = type == Q4_0 ? 2 : type == Q4_1 ? 4 : type == Q5_0 ? 6 : 8;
  const int qh = type == Q5_0 ? 2 : type == Q5_1 ? 4 : -1;
  const int off = type == Q4_0 ? 8 : type == Q5_0 ? 16 : 0;
  const bool hasMin = type == Q4_1 || type == Q5_1;
  for (int64_t gi = 0; gi < g.ng; gi++) {
    uint8_t* rec = dst + gi * g.wgroup;
    __m512i Z[8];
    alignas(32) uint16_t dh[16] = {0}, mh[16] = {0};
    for (int p = 0; p < 8; p++) {
      const int64_t b = 16 * gi + 2 * p;
      const int nv = b >= nb ? 0 : (nb - b >= 2 ? 2 : 1);
      if (nv == 0) {
        Z[p] = _mm512_setzero_si512();
        continue;
      }
      const uint8_t* b0 = w + B * b;
      if (type == Q8_0) {
        Z[p] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i*)(b0 + 2))),
                                  nv == 2 ? _mm256_loadu_si256((const __m256i*)(b0 + B + 2)) : _mm256_setzero_si256(), 1);
      } else {
        Z[p] = _mm512_sub_epi8(legacy_levels(b0, B, qs, qh, nv == 2), _mm512_set1_epi8((char)off));
        if (nv == 1) Z[p] = _mm512_maskz_mov_epi8((__mmask64)0xffffffffu, Z[p]);
      }
      for (int h = 0; h < nv; h++) {
        dh[2 * p + h] = rd16(b0 + B * h);
        if (hasMin) mh[2 * p + h] = rd16(b0 + B * h + 2);
      }
    }
    store_group(Z, 8, rec);
    _mm512_store_ps(rec + 512, _mm512_cvtph_ps(_mm256_load_si256((const __m256i*)dh)));
    _mm512_store_ps(rec + 640, _mm512_cvtph_ps(_mm256_load_si256((const __m256i*)mh)));
  }
}

/** One weight row of Q4_K / Q5_K: groups of 2 super-blocks (16 sub-blocks of 32). */
void repack_k45(int type, const uint8_t* w, int64_t nsb, const Geom& g, uint8_t* dst) {
  const bool five = type == Q5_K;
  const int B = five ? 176 : 144;
  for (int64_t gi = 0; gi < g.ng; gi++) {
    uint8_t* rec = dst + gi * g.wgroup;
    __m512i Z[8];
    alignas(64) float sc[16] = {0}, mn[16] = {0};
    for (int h = 0; h < 2; h++) {
      const int64_t sb = 2 * gi + h;
      if (sb >= nsb) {
        for (int c = 0; c < 4; c++) Z[4 * h + c] = _mm512_setzero_si512();
        continue;
      }
      const uint8_t* blk = w + B * sb;
      uint8_t s8[8], m8[8];
      unpack_k4_scales(blk + 4, s8, m8);
      const float d = _cvtsh_ss(rd16(blk)), dmin = _cvtsh_ss(rd16(blk + 2));
      for (int j = 0; j < 8; j++) {
        sc[8 * h + j] = d * (float)s8[j];
        mn[8 * h + j] = -dmin * (float)m8[j];
      }
      const __m512i qh = five ? bcast256(blk + 16) : _mm512_setzero_si512();
      for (int c = 0; c < 4; c++) {
        __m512i q = _mm512_and_si512(_mm512_srlv_epi16(bcast256(blk + (five ? 48 : 16) + 32 * c), words2(0, 4)),
                                     _mm512_set1_epi8(15));
        if (five) {
          const __mmask64 hb = _mm512_test_epi8_mask(qh, bytes2(1 << (2 * c), 1 << (2 * c + 1)));
          q = _mm512_mask_add_epi8(q, hb, q, _mm512_set1_epi8(16));
        }
        Z[4 * h + c] = q;
      }
    }
    store_group(Z, 8, rec);
    _mm512_store_ps(rec + 512, _mm512_load_ps(sc));
    _mm512_store_ps(rec + 640, _mm512_load_ps(mn));
  }
}

/** One weight row of Q2_K / Q3_K / Q6_K: a group is one super-block (16 sub-blocks of 16). */
void repack_k16(int type, const uint8_t* w, int64_t nsb, const Geom& g, uint8_t* dst) {
  const int B = type_info(type).bytes;
  for (int64_t sb = 0; sb < nsb; sb++) {
    uint8_t* rec = dst + sb * g.wgroup;
    const uint8_t* blk = w + B * sb;
    __m512i Z[4];
    alignas(64) float sc[16], mn[16] = {0};
    if (type == Q6_K) {
      const float d = _cvtsh_ss(rd16(blk + 208));
      for (int j = 0; j < 16; j++) sc[j] = d * (float)(int8_t)blk[192 + j];
      for (int c = 0; c < 4; c++) {
        const int n = c >> 1;
        const __m512i ql = _mm512_loadu_si512(blk + 64 * n), qh = bcast256(blk + 128 + 32 * n);
        const __m512i lo = _mm512_and_si512(c & 1 ? _mm512_srli_epi16(ql, 4) : ql, _mm512_set1_epi8(15));
        const __m512i hi = c & 1 ? _mm512_srlv_epi16(qh, words2(0, 2)) : _mm512_sllv_epi16(qh, words2(4, 2));
        Z[c] = _mm512_sub_epi8(_mm512_ternarylogic_epi32(hi, _mm512_set1_epi8(0x30), lo, 0xEA), _mm512_set1_epi8(32));
      }
    } else {
      const bool three = type == Q3_K;
      const float d = _cvtsh_ss(rd16(blk + (three ? 108 : 80)));
      if (three) {
        int8_t s8[16];
        unpack_k3_scales(blk + 96, s8);
        for (int j = 0; j < 16; j++) sc[j] = d * (float)s8[j];
      } else {
        const float dmin = _cvtsh_ss(rd16(blk + 82));
        for (int j = 0; j < 16; j++) {
          sc[j] = d * (float)(blk[j] & 15);
          mn[j] = -dmin * (float)(blk[j] >> 4);
        }
      }
      const uint8_t* qs = blk + (three ? 32 : 16);
      for (int c = 0; c < 4; c++) {
        const int n = c >> 1, k0 = 2 * (c & 1);
        __m512i q = _mm512_and_si512(_mm512_srlv_epi16(bcast256(qs + 32 * n), words2(2 * k0, 2 * k0 + 2)),
                                     _mm512_set1_epi8(3));
        if (three) {
          const __mmask64 hb = _mm512_test_epi8_mask(bcast256(blk), bytes2(1 << (4 * n + k0), 1 << (4 * n + k0 + 1)));
          q = _mm512_sub_epi8(_mm512_mask_add_epi8(q, hb, q, _mm512_set1_epi8(4)), _mm512_set1_epi8(4));
        }
        Z[c] = q;
      }
    }
    store_group(Z, 4, rec);
    _mm512_store_ps(rec + 256, _mm512_load_ps(sc));
    _mm512_store_ps(rec + 384, _mm512_load_ps(mn));
  }
}
}  // namespace

void repack_row(const Act& a, const Geom& g, const uint8_t* w, uint8_t* dst) {
  const int t = a.type;
  if (!a.ksuper) repack_legacy(t, w, a.K / 32, g, dst);
  else if (t == Q4_K || t == Q5_K) repack_k45(t, w, a.K / 256, g, dst);
  else repack_k16(t, w, a.K / 256, g, dst);
}

#endif

}  // namespace quant
}  // namespace weft
