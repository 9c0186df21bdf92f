// Row softmax and log-softmax: max, sum of exp(x - max), then scale (or subtract the log-sum).
#include <math.h>

#include "../../include/weft.h"
#include "../simd/vmath.h"
#include "common.h"

namespace weft {
namespace {

void softmax_row(const float* x, float* y, int64_t n, bool log_) {
  constexpr int V = Vec::N;
  Vec mv = vset1(-INFINITY);
  int64_t i = 0;
  for (; i + V <= n; i += V) mv = vmax(mv, vload(x + i));
  if (i < n) mv = vmax(mv, vload_part_fill(x + i, n - i, -INFINITY));
  const float m = vreduce_max(mv);
  if (m == -INFINITY) {  // every entry masked: zeros (log: -inf), like the reference
    for (i = 0; i < n; i++) y[i] = log_ ? -INFINITY : 0.0f;
    return;
  }
  const Vec mb = vset1(m);
  Vec sv = vzero();
  for (i = 0; i + V <= n; i += V) {
    Vec e = vexp(vsub(vload(x + i), mb));
    if (!log_) vstore(y + i, e);
    sv = vadd(sv, e);
  }
  if (i < n) {
    Vec e = vexp(vsub(vload_part_fill(x + i, n - i, -INFINITY), mb));
    if (!log_) vstore_part(y + i, e, n - i);
    sv = vadd(sv, e);
  }
  const float s = vreduce_add(sv);
  if (log_) {
    const Vec off = vset1(m + logf(s));
    for (i = 0; i + V <= n; i += V) vstore(y + i, vsub(vload(x + i), off));
    if (i < n) vstore_part(y + i, vsub(vload_part(x + i, n - i), off), n - i);
  } else {
    const Vec inv = vset1(1.0f / s);
    for (i = 0; i + V <= n; i += V) vstore(y + i, vmul(vload(y + i), inv));
    if (i < n) vstore_part(y + i, vmul(vload_part(y + i, n - i), inv), n - i);
  }
}

}  // namespace
}  // namespace weft

using namespace weft;

extern "C" {

void weft_softmax_f32(const float* x, float* out, int64_t rows, int64_t cols, int log) {
  const int nth = pick_threads(rows * cols, kGrainCostly);
  auto job = [&](int ith, int nt) {
    int64_t r0, r1;
    split_range(rows, ith, nt, 1, &r0, &r1);
    for (int64_t r = r0; r < r1; r++) softmax_row(x + r * cols, out + r * cols, cols, log != 0);
  };
  parallel(nth, job);
}

void weft_softmax_f32_generic(const float* x, float* out, int64_t rows, int64_t cols, int log_) {
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    float* yr = out + r * cols;
    double m = -INFINITY, s = 0;
    for (int64_t i = 0; i < cols; i++) m = xr[i] > m ? xr[i] : m;
    if (m == -INFINITY) {
      for (int64_t i = 0; i < cols; i++) yr[i] = log_ ? -INFINITY : 0.0f;
      continue;
    }
    for (int64_t i = 0; i < cols; i++) s += exp(xr[i] - m);
    const double ls = m + log(s);
    for (int64_t i = 0; i < cols; i++) yr[i] = log_ ? (float)(xr[i] - ls) : (float)(exp(xr[i] - m) / s);
  }
}
}
