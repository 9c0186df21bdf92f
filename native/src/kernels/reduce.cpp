// Sum / max over the middle axis of [outer, n, inner], and the whole-buffer sum used as the bandwidth anchor.
#include <math.h>

#include "../../include/weft.h"
#include "common.h"

namespace weft {
namespace {

/** Sum or max of a contiguous row, four vector accumulators. */
template <bool MAX>
static inline float row_reduce(const float* x, int64_t n) {
  constexpr int V = Vec::N;
  const Vec init = MAX ? vset1(-INFINITY) : vzero();
  Vec a0 = init, a1 = init, a2 = init, a3 = init;
  int64_t i = 0;
  for (; i + 4 * V <= n; i += 4 * V) {
    if constexpr (MAX) {
      a0 = vmax(a0, vload(x + i));
      a1 = vmax(a1, vload(x + i + V));
      a2 = vmax(a2, vload(x + i + 2 * V));
      a3 = vmax(a3, vload(x + i + 3 * V));
    } else {
      a0 = vadd(a0, vload(x + i));
      a1 = vadd(a1, vload(x + i + V));
      a2 = vadd(a2, vload(x + i + 2 * V));
      a3 = vadd(a3, vload(x + i + 3 * V));
    }
  }
  for (; i < n; i += V) {
    const int64_t r = n - i < V ? n - i : V;
    if constexpr (MAX) a0 = vmax(a0, vload_part_fill(x + i, r, -INFINITY));
    else a0 = vadd(a0, vload_part(x + i, r));
  }
  if constexpr (MAX) return vreduce_max(vmax(vmax(a0, a1), vmax(a2, a3)));
  else return vreduce_add(vadd(vadd(a0, a1), vadd(a2, a3)));
}

/** out[0, m) = reduce over i < n of x[i * stride + (0, m)] (columns), for one outer slice. */
template <bool MAX>
static inline void col_reduce(const float* x, float* out, int64_t n, int64_t stride, int64_t m) {
  constexpr int V = Vec::N;
  int64_t j = 0;
  for (; j < m; j += V) {
    const int64_t r = m - j < V ? m - j : V;
    Vec acc = MAX ? vset1(-INFINITY) : vzero();
    for (int64_t i = 0; i < n; i++) {
      const Vec v = r == V ? vload(x + i * stride + j) : vload_part_fill(x + i * stride + j, r, MAX ? -INFINITY : 0.0f);
      acc = MAX ? vmax(acc, v) : vadd(acc, v);
    }
    if (r == V) vstore(out + j, acc);
    else vstore_part(out + j, acc, r);
  }
}

template <bool MAX>
void reduce(const float* x, float* out, int64_t outer, int64_t n, int64_t inner) {
  if (inner == 1) {
    const int nth = pick_threads(outer * n, kGrainCheap);
    auto job = [&](int ith, int nt) {
      int64_t o0, o1;
      split_range(outer, ith, nt, 1, &o0, &o1);
      for (int64_t o = o0; o < o1; o++) out[o] = row_reduce<MAX>(x + o * n, n);
    };
    parallel(nth, job);
    return;
  }
  // Columns: split the [outer, inner] outputs into vector-aligned chunks across threads.
  const int64_t chunks = (inner + 4 * Vec::N - 1) / (4 * Vec::N);
  const int nth = pick_threads(outer * n * inner, kGrainCheap);
  auto job = [&](int ith, int nt) {
    int64_t t0, t1;
    split_range(outer * chunks, ith, nt, 1, &t0, &t1);
    for (int64_t t = t0; t < t1; t++) {
      const int64_t o = t / chunks, j0 = (t % chunks) * 4 * Vec::N;
      const int64_t m = inner - j0 < 4 * Vec::N ? inner - j0 : 4 * Vec::N;
      col_reduce<MAX>(x + o * n * inner + j0, out + o * inner + j0, n, inner, m);
    }
  };
  parallel(nth, job);
}

}  // namespace
}  // namespace weft

using namespace weft;

extern "C" {

void weft_reduce_f32(int op, const float* x, float* out, int64_t outer, int64_t n, int64_t inner) {
  if (op == WEFT_MAX_R) reduce<true>(x, out, outer, n, inner);
  else reduce<false>(x, out, outer, n, inner);
}

void weft_reduce_f32_generic(int op, const float* x, float* out, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < inner; j++) {
      float acc = op == WEFT_MAX_R ? -INFINITY : 0.0f;
      for (int64_t i = 0; i < n; i++) {
        const float v = x[(o * n + i) * inner + j];
        if (op == WEFT_MAX_R) acc = v > acc || v != v ? v : acc;
        else acc += v;
      }
      out[o * inner + j] = acc;
    }
}

double weft_sum_all_f32(const float* x, int64_t n) {
  const int nth = pick_threads(n, 1 << 18);
  double parts[1024] = {0};
  auto job = [&](int ith, int nt) {
    int64_t lo, hi;
    split_range(n, ith, nt, 64, &lo, &hi);
    parts[ith] = lo < hi ? (double)row_reduce<false>(x + lo, hi - lo) : 0.0;
  };
  parallel(nth, job);
  double s = 0;
  for (int i = 0; i < nth; i++) s += parts[i];
  return s;
}

double weft_sum_all_f32_generic(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += x[i];
  return s;
}
}
