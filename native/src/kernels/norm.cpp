// RMSNorm and LayerNorm over rows, writing the per-row statistics the backward pass needs.
#include <math.h>

#include "../../include/weft.h"
#include "common.h"

namespace weft {
namespace {

/** sum(x) and sum(x^2) of a row with two vector accumulators each. */
static inline void sums(const float* x, int64_t n, float* s1, float* s2, float shift) {
  constexpr int V = Vec::N;
  const Vec sh = vset1(shift);
  Vec a = vzero(), b = vzero(), q = vzero(), r = vzero();
  int64_t i = 0;
  for (; i + 2 * V <= n; i += 2 * V) {
    const Vec x0 = vsub(vload(x + i), sh), x1 = vsub(vload(x + i + V), sh);
    a = vadd(a, x0);
    b = vadd(b, x1);
    q = vfma(x0, x0, q);
    r = vfma(x1, x1, r);
  }
  for (; i < n; i += V) {
    const int64_t k = n - i < V ? n - i : V;
    const Vec x0 = vsub(vload_part_fill(x + i, k, shift), sh);
    a = vadd(a, x0);
    q = vfma(x0, x0, q);
  }
  *s1 = vreduce_add(vadd(a, b));
  *s2 = vreduce_add(vadd(q, r));
}

/** y = (x - mean) * rstd * w + b, with w and b optional. */
static inline void apply(const float* x, const float* w, const float* b, float* y, int64_t n, float mean, float rstd) {
  constexpr int V = Vec::N;
  const Vec mv = vset1(mean), rv = vset1(rstd);
  for (int64_t i = 0; i < n; i += V) {
    const int64_t k = n - i < V ? n - i : V;
    Vec v = vmul(vsub(k == V ? vload(x + i) : vload_part(x + i, k), mv), rv);
    if (w) v = vmul(v, k == V ? vload(w + i) : vload_part(w + i, k));
    if (b) v = vadd(v, k == V ? vload(b + i) : vload_part(b + i, k));
    if (k == V) vstore(y + i, v);
    else vstore_part(y + i, v, k);
  }
}

template <class F>
void rows_parallel(int64_t rows, int64_t cols, F&& f) {
  const int nth = pick_threads(rows * cols, kGrainCheap / 2);
  auto job = [&](int ith, int nt) {
    int64_t r0, r1;
    split_range(rows, ith, nt, 1, &r0, &r1);
    for (int64_t r = r0; r < r1; r++) f(r);
  };
  parallel(nth, job);
}

}  // namespace
}  // namespace weft

using namespace weft;

extern "C" {

void weft_rms_norm_f32(const float* x, const float* w, float* out, float* rstd, int64_t rows, int64_t cols,
                       float eps) {
  rows_parallel(rows, cols, [&](int64_t r) {
    float s1, s2;
    sums(x + r * cols, cols, &s1, &s2, 0.0f);
    const float rs = 1.0f / sqrtf(s2 / (float)cols + eps);
    rstd[r] = rs;
    apply(x + r * cols, w, nullptr, out + r * cols, cols, 0.0f, rs);
  });
}

void weft_layer_norm_f32(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd,
                         int64_t rows, int64_t cols, float eps) {
  rows_parallel(rows, cols, [&](int64_t r) {
    const float* xr = x + r * cols;
    // Shift by the first element so the variance does not cancel catastrophically for large means.
    const float shift = cols > 0 ? xr[0] : 0.0f;
    float s1, s2;
    sums(xr, cols, &s1, &s2, shift);
    const float m1 = s1 / (float)cols;
    float var = s2 / (float)cols - m1 * m1;
    if (var < 0) var = 0;
    const float mu = shift + m1, rs = 1.0f / sqrtf(var + eps);
    mean[r] = mu;
    rstd[r] = rs;
    apply(xr, w, b, out + r * cols, cols, mu, rs);
  });
}

void weft_rms_norm_f32_generic(const float* x, const float* w, float* out, float* rstd, int64_t rows, int64_t cols,
                               float eps) {
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    double ss = 0;
    for (int64_t i = 0; i < cols; i++) ss += (double)xr[i] * xr[i];
    const float rs = (float)(1.0 / sqrt(ss / (double)cols + eps));
    rstd[r] = rs;
    for (int64_t i = 0; i < cols; i++) out[r * cols + i] = xr[i] * rs * (w ? w[i] : 1.0f);
  }
}

void weft_layer_norm_f32_generic(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd,
                                 int64_t rows, int64_t cols, float eps) {
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    double s = 0, v = 0;
    for (int64_t i = 0; i < cols; i++) s += xr[i];
    const double mu = s / (double)cols;
    for (int64_t i = 0; i < cols; i++) v += (xr[i] - mu) * (xr[i] - mu);
    const float rs = (float)(1.0 / sqrt(v / (double)cols + eps));
    mean[r] = (float)mu;
    rstd[r] = rs;
    for (int64_t i = 0; i < cols; i++)
      out[r * cols + i] = (float)((xr[i] - mu) * rs) * (w ? w[i] : 1.0f) + (b ? b[i] : 0.0f);
  }
}
}
