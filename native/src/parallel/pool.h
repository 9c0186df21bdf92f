// Persistent thread pool: runs fn(ctx, ith, nth) on nth threads (the caller is ith = 0) and waits for all.
#pragma once

#include <stdint.h>

namespace weft {

using TaskFn = void (*)(void* ctx, int ith, int nth);

/** Sets the pool size (threads including the caller); n < 1 means 1. Workers start lazily. */
void pool_set_threads(int n);
int pool_threads();
/** Runs fn for ith in [0, nth) and returns when all are done. nth == 1 calls fn directly. A call made while
 *  the pool is busy (nested, or from another JS thread) runs its parts one after another on the caller. */
void pool_run(int nth, TaskFn fn, void* ctx);

template <class F>
static inline void parallel(int nth, F& f) {
  pool_run(nth, [](void* c, int ith, int n) { (*static_cast<F*>(c))(ith, n); }, &f);
}

/** Threads worth using for `work` units when each thread should get at least `grain` units. */
static inline int pick_threads(int64_t work, int64_t grain) {
  int64_t t = pool_threads();
  int64_t byWork = grain > 0 ? work / grain : t;
  if (byWork < 1) byWork = 1;
  return (int)(byWork < t ? byWork : t);
}

/** [lo, hi) of n items for thread ith of nth, in chunks that are multiples of `align` (except the last). */
static inline void split_range(int64_t n, int ith, int nth, int64_t align, int64_t* lo, int64_t* hi) {
  int64_t blocks = (n + align - 1) / align;
  int64_t b0 = blocks * ith / nth, b1 = blocks * (ith + 1) / nth;
  int64_t l = b0 * align, h = b1 * align;
  *lo = l < n ? l : n;
  *hi = h < n ? h : n;
}

}  // namespace weft
