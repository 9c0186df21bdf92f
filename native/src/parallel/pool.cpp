// Thread pool implementation: workers spin briefly on a generation counter, then sleep on a condition variable.
#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define WEFT_PAUSE() _mm_pause()
#else
#define WEFT_PAUSE() ((void)0)
#endif

namespace weft {
namespace {

// ~50-100 us of spinning before a worker sleeps: long enough to bridge the JS between two kernel calls,
// short enough not to burn a shared core while the process is idle.
constexpr int kSpinIters = 4096;

struct Pool {
  int size = 1;  // threads including the caller
  std::vector<std::thread> workers;
  std::atomic<uint64_t> gen{0};
  std::atomic<int> pending{0};
  std::atomic<int> sleepers{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> busy{false};
  std::mutex m;
  std::condition_variable cv;
  TaskFn fn = nullptr;
  void* ctx = nullptr;
  int nth = 1;

  void worker(int w, uint64_t seen) {
    for (;;) {
      uint64_t g;
      int spins = 0;
      while ((g = gen.load(std::memory_order_acquire)) == seen) {
        if (++spins < kSpinIters) {
          WEFT_PAUSE();
          continue;
        }
        std::unique_lock<std::mutex> lk(m);
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        cv.wait(lk, [&] { return gen.load(std::memory_order_seq_cst) != seen; });
        sleepers.fetch_sub(1, std::memory_order_relaxed);
        spins = 0;
      }
      seen = g;
      if (stop.load(std::memory_order_acquire)) return;
      // Every worker acknowledges every job, so none can read the fields of the next job under an old one.
      if (w < nth) fn(ctx, w, nth);
      pending.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void publish() {
    gen.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(m);
      cv.notify_all();
    }
  }

  void start(int n) {
    uint64_t g = gen.load();
    for (int w = 1; w < n; w++) workers.emplace_back([this, w, g] { worker(w, g); });
    size = n;
  }

  void shutdown() {
    stop.store(true, std::memory_order_release);
    publish();
    for (auto& t : workers) t.join();
    workers.clear();
    stop.store(false);
    size = 1;
  }
};

// Leaked on purpose: joining threads from a static destructor at process exit can deadlock.
Pool* g_pool = new Pool();
int g_wanted = 1;
bool g_started = false;

void run_serial(int nth, TaskFn fn, void* ctx) {
  for (int i = 0; i < nth; i++) fn(ctx, i, nth);
}

}  // namespace

void pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > 1024) n = 1024;
  bool expected = false;
  while (!g_pool->busy.compare_exchange_weak(expected, true)) {
    expected = false;
    std::this_thread::yield();
  }
  if (g_started && g_pool->size != n) {
    g_pool->shutdown();
    g_started = false;
  }
  g_wanted = n;
  g_pool->busy.store(false);
}

int pool_threads() { return g_wanted; }

void pool_run(int nth, TaskFn fn, void* ctx) {
  if (nth <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  Pool* p = g_pool;
  bool expected = false;
  if (nth > g_wanted || !p->busy.compare_exchange_strong(expected, true)) {
    run_serial(nth, fn, ctx);
    return;
  }
  if (!g_started) {
    p->start(g_wanted);
    g_started = true;
  }
  p->fn = fn;
  p->ctx = ctx;
  p->nth = nth;
  p->pending.store(p->size - 1, std::memory_order_relaxed);
  p->publish();
  fn(ctx, 0, nth);
  int spins = 0;
  while (p->pending.load(std::memory_order_acquire) != 0) {
    if (++spins < (1 << 14)) WEFT_PAUSE();
    else std::this_thread::yield();
  }
  p->busy.store(false, std::memory_order_release);
}

}  // namespace weft

extern "C" {
void weft_set_threads(int n) { weft::pool_set_threads(n); }
int weft_get_threads(void) { return weft::pool_threads(); }
}
