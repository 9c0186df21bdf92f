// Embedding gather (rows of a table by id) and its backward scatter-add (threads own column ranges: no races).
#include <string.h>

#include "../../include/weft.h"
#include "common.h"

using namespace weft;

extern "C" {

void weft_gather_f32(const float* table, const int32_t* ids, float* out, int64_t n, int64_t C) {
  const int nth = pick_threads(n * C, kGrainCheap);
  auto job = [&](int ith, int nt) {
    int64_t r0, r1;
    split_range(n, ith, nt, 1, &r0, &r1);
    for (int64_t r = r0; r < r1; r++) memcpy(out + r * C, table + (int64_t)ids[r] * C, (size_t)C * 4);
  };
  parallel(nth, job);
}

void weft_gather_f32_generic(const float* table, const int32_t* ids, float* out, int64_t n, int64_t C) {
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) out[r * C + c] = table[(int64_t)ids[r] * C + c];
}

void weft_scatter_add_f32(float* grad, const int32_t* ids, const float* dy, int64_t n, int64_t C) {
  constexpr int V = Vec::N;
  const int nth = C >= 4 * V ? pick_threads(n * C, kGrainCheap) : 1;
  auto job = [&](int ith, int nt) {
    int64_t c0, c1;
    split_range(C, ith, nt, V, &c0, &c1);
    for (int64_t r = 0; r < n; r++) {
      float* g = grad + (int64_t)ids[r] * C;
      const float* d = dy + r * C;
      int64_t c = c0;
      for (; c + V <= c1; c += V) vstore(g + c, vadd(vload(g + c), vload(d + c)));
      if (c < c1) vstore_part(g + c, vadd(vload_part(g + c, c1 - c), vload_part(d + c, c1 - c)), c1 - c);
    }
  };
  parallel(nth, job);
}

void weft_scatter_add_f32_generic(float* grad, const int32_t* ids, const float* dy, int64_t n, int64_t C) {
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < C; c++) grad[(int64_t)ids[r] * C + c] += dy[r * C + c];
}
}
