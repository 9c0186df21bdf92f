// Prefill path of the quantised linear (M >= kPanelMinM, AVX-512): weight rows are repacked per call into
// "panels" where 32-bit lane t of a 512-bit vector belongs to block t of a group of 16 blocks (vector k holds
// elements 4k..4k+3 of each block), and the activations likewise. vpdpbusd then accumulates whole blocks in
// exact integers (8 or 4 instructions per group) and the float work (scale, convert, accumulate) happens
// once per group of 16 blocks instead of once per pair. A block is 32 elements (Q8_0, Q4_0, Q5_0, Q4_1,
// Q5_1; Q4_K / Q5_K sub-blocks) or 16 (Q2_K / Q3_K / Q6_K sub-blocks). Weight levels are stored signed with
// their offsets applied; activations as int8 + 128 (the unsigned operand), which each block's int32
// correction -128 * sum(w) removes. The repack costs O(N K) and is amortised over the M activation rows.
#include <string.h>

#include "quant.h"
#include "quant_panel.h"
#if WEFT_Q_AVX512
#include "quant_avx512.h"
#endif

namespace weft {
namespace quant {

#if WEFT_Q_AVX512

namespace {

/** Group record of one row (weights): kv vectors of levels, then 16 scales, 16 corrections, 16 mins. */
struct Geom {
  int L;   // block length, 16 or 32
  int kv;  // vectors per group = L / 4
  int64_t ng;
  size_t wgroup, xgroup;  // bytes per group record
  bool lastHalf;          // the last group holds at most 8 blocks (lanes 8..15 are zero)
};

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

void repack_row(const Act& a, const Geom& g, const uint8_t* w, uint8_t* dst) {
  const int t = a.type;
  if (!a.ksuper) repack_legacy(t, w, a.K / 32, g, dst);
  else if (t == Q4_K || t == Q5_K) repack_k45(t, w, a.K / 256, g, dst);
  else repack_k16(t, w, a.K / 256, g, dst);
}

/** Vector traits: the full 16-lane group and the 8-lane half group (a last group of at most 8 blocks). */
struct V16 {
  using I = __m512i;
  using F = __m512;
  static I load(const uint8_t* p) { return _mm512_load_si512(p); }
  static F loadf(const void* p) { return _mm512_load_ps((const float*)p); }
  static void storef(void* p, F v) { _mm512_store_ps((float*)p, v); }
  static I dot(I acc, I x, I w) { return _mm512_dpbusd_epi32(acc, x, w); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F cvt(I v) { return _mm512_cvtepi32_ps(v); }
  static void pin(I& a, I& b, I& c, I& d) { __asm__("" : "+v"(a), "+v"(b), "+v"(c), "+v"(d)); }
};
struct V8 {
  using I = __m256i;
  using F = __m256;
  static I load(const uint8_t* p) { return _mm256_load_si256((const __m256i*)p); }
  static F loadf(const void* p) { return _mm256_load_ps((const float*)p); }
  static void storef(void* p, F v) { _mm256_store_ps((float*)p, v); }
  static I dot(I acc, I x, I w) { return _mm256_dpbusd_epi32(acc, x, w); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F cvt(I v) { return _mm256_cvtepi32_ps(v); }
  static void pin(I& a, I& b, I& c, I& d) { __asm__("" : "+v"(a), "+v"(b), "+v"(c), "+v"(d)); }
};

/** One group of 4 weight rows x 4 activation rows into the float accumulators F[j][i] (16 lanes; V8 touches
 *  lanes 0..7). The 16 int32 accumulators and the 4 weight vectors stay in registers. */
template <class V, int KV, bool MIN>
inline void group44(const uint8_t* w, size_t wrow, const uint8_t* x, size_t xrow, float (&F)[4][4][16]) {
  typename V::I I[4][4];
  for (int j = 0; j < 4; j++) {
    const typename V::I c = V::load(w + j * wrow + 64 * KV + 64);
    for (int i = 0; i < 4; i++) I[j][i] = c;
  }
#pragma GCC unroll 8
  for (int k = 0; k < KV; k++) {
    typename V::I w0 = V::load(w + 64 * k), w1 = V::load(w + wrow + 64 * k);
    typename V::I w2 = V::load(w + 2 * wrow + 64 * k), w3 = V::load(w + 3 * wrow + 64 * k);
    V::pin(w0, w1, w2, w3);  // GCC would otherwise fold a reload into each of their four uses
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
      const typename V::I xv = V::load(x + i * xrow + 64 * k);
      I[0][i] = V::dot(I[0][i], xv, w0);
      I[1][i] = V::dot(I[1][i], xv, w1);
      I[2][i] = V::dot(I[2][i], xv, w2);
      I[3][i] = V::dot(I[3][i], xv, w3);
    }
  }
  for (int i = 0; i < 4; i++) {
    const typename V::F xs = V::loadf(x + i * xrow + 64 * KV), xsum = V::loadf(x + i * xrow + 64 * KV + 64);
    for (int j = 0; j < 4; j++) {
      const typename V::F s = V::mul(V::loadf(w + j * wrow + 64 * KV), xs);
      typename V::F f = V::fma(V::cvt(I[j][i]), s, V::loadf(F[j][i]));
      if (MIN) f = V::fma(V::loadf(w + j * wrow + 64 * KV + 128), xsum, f);
      V::storef(F[j][i], f);
    }
  }
}

/** 4 weight rows x 4 activation rows over all groups; out[i * ldo + j]. */
template <int KV, bool MIN>
void kernel44(const uint8_t* wp, size_t wrow, const uint8_t* xp, size_t xrow, const Geom& g, float* out, int64_t ldo) {
  alignas(64) float F[4][4][16];
  memset(F, 0, sizeof F);
  const int64_t full = g.lastHalf ? g.ng - 1 : g.ng;
  for (int64_t gi = 0; gi < full; gi++) group44<V16, KV, MIN>(wp + gi * g.wgroup, wrow, xp + gi * g.xgroup, xrow, F);
  if (g.lastHalf) group44<V8, KV, MIN>(wp + full * g.wgroup, wrow, xp + full * g.xgroup, xrow, F);
  for (int i = 0; i < 4; i++) {
    __m512 t[4];
    for (int j = 0; j < 4; j++) t[j] = _mm512_load_ps(F[j][i]);
    store_sums<4>(t, out + i * ldo);
  }
}

using Kernel = void (*)(const uint8_t*, size_t, const uint8_t*, size_t, const Geom&, float*, int64_t);

Kernel pick_kernel(int type) {
  const bool min = type == Q4_1 || type == Q5_1 || type == Q4_K || type == Q5_K || type == Q2_K;
  const bool k16 = type == Q2_K || type == Q3_K || type == Q6_K;
  if (k16) return min ? kernel44<4, true> : kernel44<4, false>;
  return min ? kernel44<8, true> : kernel44<8, false>;
}

/** Activation row m into its panel: biased int8s in the transposed layout, block scales and block sums. */
void build_x_row(const Act& a, const Geom& g, int64_t m, uint8_t* dst) {
  const int8_t* q = a.q + m * a.K;
  const int64_t nblk = a.K / g.L;
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (int64_t gi = 0; gi < g.ng; gi++) {
    uint8_t* rec = dst + gi * g.xgroup;
    const int64_t b0 = 16 * gi;
    const __mmask16 valid = (__mmask16)(nblk - b0 >= 16 ? 0xffff : (1u << (nblk - b0)) - 1);
    for (int k = 0; k < g.kv; k++) {
      const __m512i idx = _mm512_add_epi32(_mm512_mullo_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32((int)b0)),
                                                              _mm512_set1_epi32(g.kv)), _mm512_set1_epi32(k));
      const __m512i v = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), valid, idx, q, 4);
      _mm512_store_si512(rec + 64 * k, _mm512_xor_si512(v, _mm512_set1_epi8((char)0x80)));
    }
    alignas(64) float xs[16] = {0}, xsum[16] = {0};
    for (int t = 0; t < 16 && b0 + t < nblk; t++) {
      const int64_t b = b0 + t;
      if (!a.ksuper) {
        xs[t] = a.d[m * a.nb + b];
        xsum[t] = a.ds[m * a.nb + b];
      } else {
        const int64_t per = 256 / g.L, sb = b / per, j = b % per;
        const float dx = a.d[m * a.nb + sb];
        const int16_t* bs = a.bs + (m * a.nb + sb) * 16;
        xs[t] = dx;
        xsum[t] = dx * (float)(g.L == 16 ? bs[j] : bs[2 * j] + bs[2 * j + 1]);
      }
    }
    _mm512_store_ps(rec + 64 * g.kv, _mm512_load_ps(xs));
    _mm512_store_ps(rec + 64 * g.kv + 64, _mm512_load_ps(xsum));
  }
}

struct XScratch {
  void* p = nullptr;
  size_t n = 0;
  ~XScratch() { free(p); }
};
thread_local XScratch g_xpanel, g_wpanel;

uint8_t* grow(XScratch& s, size_t need) {
  if (s.n < need) {
    free(s.p);
    s.p = aligned_alloc(64, (need + 63) & ~(size_t)63);
    s.n = s.p ? need : 0;
  }
  return static_cast<uint8_t*>(s.p);
}

}  // namespace

bool panel_supported(int type) { return type_info(type).block != 0; }

bool panel_prepare(Panel* p, const Act& a) {
  const Geom g = geom(a);
  const int64_t M4 = (a.M + 3) / 4 * 4;
  p->xrow = (size_t)g.ng * g.xgroup;
  p->wrow = (size_t)g.ng * g.wgroup;
  p->M4 = M4;
  p->x = grow(g_xpanel, (size_t)M4 * p->xrow);
  if (!p->x) return false;
  for (int64_t m = 0; m < a.M; m++) build_x_row(a, g, m, p->x + m * p->xrow);
  memset(p->x + a.M * p->xrow, 0, (size_t)(M4 - a.M) * p->xrow);
  return true;
}

bool panel_rows(const Panel& p, const Act& a, const uint8_t* w, int64_t rb, int64_t n0, int64_t n1, float* out,
                int64_t ldo) {
  const Geom g = geom(a);
  uint8_t* wp = grow(g_wpanel, 4 * p.wrow);
  if (!wp) return false;
  const Kernel kern = pick_kernel(a.type);
  for (int64_t n = n0; n < n1; n += 4) {
    const int nr = (int)(n1 - n < 4 ? n1 - n : 4);
    for (int j = 0; j < 4; j++) {
      if (j < nr) repack_row(a, g, w + (n + j) * rb, wp + j * p.wrow);
      else memset(wp + j * p.wrow, 0, p.wrow);
    }
    for (int64_t m = 0; m < p.M4; m += 4) {
      alignas(16) float tmp[16];
      kern(wp, p.wrow, p.x + m * p.xrow, p.xrow, g, tmp, 4);
      for (int i = 0; i < 4 && m + i < a.M; i++)
        for (int j = 0; j < nr; j++) out[(m + i) * ldo + n + j] = tmp[4 * i + j];
    }
  }
  return true;
}

#else

bool panel_supported(int) { return false; }
bool panel_prepare(Panel*, const Act&) { return false; }
bool panel_rows(const Panel&, const Act&, const uint8_t*, int64_t, int64_t, int64_t, float*, int64_t) { return false; }

#endif

}  // namespace quant
}  // namespace weft
