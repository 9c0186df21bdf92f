// Helpers shared by the elementwise kernel families: threaded chunking of flat ranges.
#pragma once

#include "../parallel/pool.h"
#include "../simd/vec.h"

namespace weft {

/** Runs body(lo, hi) over [0, n) split across threads in vector-aligned chunks, at least `grain` per thread. */
template <class F>
static inline void for_range(int64_t n, int64_t grain, F&& body) {
  const int nth = pick_threads(n, grain);
  if (nth <= 1) {
    body((int64_t)0, n);
    return;
  }
  auto job = [&](int ith, int nt) {
    int64_t lo, hi;
    split_range(n, ith, nt, 4 * Vec::N, &lo, &hi);
    if (lo < hi) body(lo, hi);
  };
  parallel(nth, job);
}

/** Elements per thread worth a wake-up for cheap (memory-bound) and costly (transcendental) element ops. */
constexpr int64_t kGrainCheap = 1 << 16;
constexpr int64_t kGrainCostly = 1 << 13;

}  // namespace weft
