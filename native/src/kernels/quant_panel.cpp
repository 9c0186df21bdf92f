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
#include "quant_panel_repack.h"
#if WEFT_Q_AVX512
#include "quant_avx512.h"
#endif

namespace weft {
namespace quant {

#if WEFT_Q_AVX512

namespace {

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
