// Fused scaled dot-product attention (causal / sliding window / additive mask, grouped-query) with row log-sum-exp.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/weft.h"
#include "../simd/vmath.h"
#include "common.h"

namespace weft {
namespace {

struct Attn {
  const float *q, *k, *v, *mask;
  float *out, *lse;
  int64_t B, T, S, H, Hkv, D;
  float scale;
  bool causal;
  int64_t window, qPos0;
};

static inline float dot(const float* a, const float* b, int64_t n) {
  constexpr int V = Vec::N;
  Vec acc0 = vzero(), acc1 = vzero();
  int64_t i = 0;
  for (; i + 2 * V <= n; i += 2 * V) {
    acc0 = vfma(vload(a + i), vload(b + i), acc0);
    acc1 = vfma(vload(a + i + V), vload(b + i + V), acc1);
  }
  for (; i < n; i += V) {
    const int64_t r = n - i < V ? n - i : V;
    acc0 = vfma(vload_part(a + i, r), vload_part(b + i, r), acc0);
  }
  return vreduce_add(vadd(acc0, acc1));
}

/** y[0, n) += p * x[0, n) */
static inline void axpy(float* y, const float* x, float p, int64_t n) {
  constexpr int V = Vec::N;
  const Vec pv = vset1(p);
  int64_t i = 0;
  for (; i + V <= n; i += V) vstore(y + i, vfma(pv, vload(x + i), vload(y + i)));
  if (i < n) vstore_part(y + i, vfma(pv, vload_part(x + i, n - i), vload_part(y + i, n - i)), n - i);
}

/** Visible keys of query t: [lo, hi). */
static inline void key_range(const Attn& a, int64_t t, int64_t* lo, int64_t* hi) {
  const int64_t p = a.qPos0 + t;
  int64_t l = 0, h = a.S;
  if (a.causal && p + 1 < h) h = p + 1;
  if (a.window > 0 && p - a.window + 1 > l) l = p - a.window + 1;
  if (h < l) h = l;
  *lo = l;
  *hi = h;
}

/** One query row (b, t, h): scores into sc, softmax, weighted sum of values. */
void row(const Attn& a, int64_t b, int64_t t, int64_t h, float* sc) {
  const int64_t D = a.D, g = a.H / a.Hkv, hk = h / g;
  const float* qr = a.q + ((b * a.T + t) * a.H + h) * D;
  float* o = a.out + ((b * a.T + t) * a.H + h) * D;
  float* lse = a.lse + (b * a.H + h) * a.T + t;
  int64_t lo, hi;
  key_range(a, t, &lo, &hi);
  memset(o, 0, (size_t)D * 4);
  float m = -INFINITY;
  for (int64_t s = lo; s < hi; s++) {
    float v = dot(qr, a.k + ((b * a.S + s) * a.Hkv + hk) * D, D) * a.scale;
    if (a.mask) v += a.mask[t * a.S + s];
    sc[s - lo] = v;
    m = v > m ? v : m;
  }
  if (m == -INFINITY) {  // nothing visible
    *lse = -INFINITY;
    return;
  }
  float sum = 0;
  for (int64_t s = lo; s < hi; s++) {
    const float p = expf(sc[s - lo] - m);
    sc[s - lo] = p;
    sum += p;
  }
  const float inv = 1.0f / sum;
  for (int64_t s = lo; s < hi; s++) {
    const float p = sc[s - lo] * inv;
    if (p != 0.0f) axpy(o, a.v + ((b * a.S + s) * a.Hkv + hk) * D, p, D);
  }
  *lse = m + logf(sum);
}

}  // namespace
}  // namespace weft

using namespace weft;

extern "C" {

void weft_attention_f32(const float* q, const float* k, const float* v, const float* mask, float* out, float* lse,
                        int64_t B, int64_t T, int64_t S, int64_t H, int64_t Hkv, int64_t D, float scale, int causal,
                        int64_t window, int64_t q_pos0) {
  const Attn a{q, k, v, mask, out, lse, B, T, S, H, Hkv, D, scale, causal != 0, window, q_pos0};
  const int64_t rows = B * H * T;
  const int nth = pick_threads(rows * (S + 1) * D, kGrainCheap);
  auto job = [&](int ith, int nt) {
    int64_t r0, r1;
    split_range(rows, ith, nt, 1, &r0, &r1);
    if (r0 >= r1) return;
    float* sc = static_cast<float*>(malloc((size_t)(S > 0 ? S : 1) * 4));
    for (int64_t r = r0; r < r1; r++) {  // r = (b * H + h) * T + t: consecutive queries share K/V in cache
      const int64_t t = r % T, bh = r / T;
      row(a, bh / H, t, bh % H, sc);
    }
    free(sc);
  };
  parallel(nth, job);
}

void weft_attention_f32_generic(const float* q, const float* k, const float* v, const float* mask, float* out,
                                float* lse, int64_t B, int64_t T, int64_t S, int64_t H, int64_t Hkv, int64_t D,
                                float scale, int causal, int64_t window, int64_t q_pos0) {
  const int64_t g = H / Hkv;
  double* sc = static_cast<double*>(malloc((size_t)(S > 0 ? S : 1) * 8));
  for (int64_t b = 0; b < B; b++)
    for (int64_t t = 0; t < T; t++)
      for (int64_t h = 0; h < H; h++) {
        const float* qr = q + ((b * T + t) * H + h) * D;
        float* o = out + ((b * T + t) * H + h) * D;
        const int64_t p = q_pos0 + t;
        double m = -INFINITY;
        for (int64_t s = 0; s < S; s++) {
          const bool hidden = (causal && s > p) || (window > 0 && s <= p - window);
          double acc = 0;
          for (int64_t d = 0; d < D; d++) acc += (double)qr[d] * k[((b * S + s) * Hkv + h / g) * D + d];
          sc[s] = hidden ? -INFINITY : acc * scale + (mask ? mask[t * S + s] : 0.0f);
          m = sc[s] > m ? sc[s] : m;
        }
        for (int64_t d = 0; d < D; d++) o[d] = 0.0f;
        float* l = lse + (b * H + h) * T + t;
        if (m == -INFINITY) {
          *l = -INFINITY;
          continue;
        }
        double sum = 0;
        for (int64_t s = 0; s < S; s++) sum += (sc[s] = exp(sc[s] - m));
        for (int64_t d = 0; d < D; d++) {
          double acc = 0;
          for (int64_t s = 0; s < S; s++) acc += sc[s] * v[((b * S + s) * Hkv + h / g) * D + d];
          o[d] = (float)(acc / sum);
        }
        *l = (float)(m + log(sum));
      }
  free(sc);
}
}
