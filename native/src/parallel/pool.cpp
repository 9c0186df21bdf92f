// Thread pool: a job is nth chunks fn(ctx, i, nth) claimed through one atomic ticket (job id, next chunk).
// The caller claims chunks too, so a worker that the OS has not scheduled (a shared, oversubscribed machine)
// never holds the job up: the caller runs its unclaimed chunks and waits only for claimed ones. Idle workers
// spin briefly on the ticket, then sleep on a condition variable.
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

// ~100 us of spinning before an idle worker sleeps: bridges the JS between two kernel calls without
// burning a shared core while the process is idle.
constexpr int kSpinIters = 4096;

// Ticket layout: job id (32 bits) | chunk count (16) | next unclaimed chunk (16). The count travels with the
// ticket so a claim is always checked against its own job's count.
inline uint64_t ticket_of(uint32_t job, uint32_t n, uint32_t next) { return (uint64_t)job << 32 | n << 16 | next; }
inline uint32_t job_of(uint64_t t) { return (uint32_t)(t >> 32); }
inline uint32_t count_of(uint64_t t) { return (uint32_t)(t >> 16) & 0xffff; }
inline uint32_t next_of(uint64_t t) { return (uint32_t)t & 0xffff; }

struct Pool {
  int size = 1;  // threads including the caller
  std::vector<std::thread> workers;
  std::atomic<uint64_t> ticket{0};
  std::atomic<int> done{0};         // chunks of the current job finished
  std::atomic<int> sleepers{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> busy{false};
  std::mutex m;
  std::condition_variable cv;
  // The current job; written by the caller before it publishes the ticket.
  TaskFn fn = nullptr;
  void* ctx = nullptr;

  /** Claims and runs chunks of `job` until none are left (or a newer job replaced it). */
  void work(uint32_t job) {
    for (;;) {
      uint64_t t = ticket.load(std::memory_order_acquire);
      if (job_of(t) != job || next_of(t) >= count_of(t)) return;
      if (!ticket.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) continue;
      // The claimed chunk keeps `job` from completing, so fn and ctx are still this job's.
      fn(ctx, (int)next_of(t), (int)count_of(t));
      done.fetch_add(1, std::memory_order_release);
    }
  }

  void worker(uint32_t seen) {
    for (;;) {
      int spins = 0;
      uint32_t job;
      while ((job = job_of(ticket.load(std::memory_order_acquire))) == seen) {
        if (stop.load(std::memory_order_relaxed)) return;
        if (++spins < kSpinIters) {
          WEFT_PAUSE();
          continue;
        }
        std::unique_lock<std::mutex> lk(m);
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        cv.wait(lk, [&] {
          return job_of(ticket.load(std::memory_order_seq_cst)) != seen || stop.load();
        });
        sleepers.fetch_sub(1, std::memory_order_relaxed);
        spins = 0;
      }
      seen = job;
      work(job);
    }
  }

  void wake() {
    if (sleepers.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(m);
      cv.notify_all();
    }
  }

  void start(int n) {
    const uint32_t job = job_of(ticket.load());
    for (int w = 1; w < n; w++) workers.emplace_back([this, job] { worker(job); });
    size = n;
  }

  void shutdown() {
    stop.store(true, std::memory_order_seq_cst);
    {
      std::lock_guard<std::mutex> lk(m);
      cv.notify_all();
    }
    for (auto& t : workers) t.join();
    workers.clear();
    stop.store(false);
    size = 1;
  }

  void run(int n, TaskFn f, void* c) {
    fn = f;
    ctx = c;
    done.store(0, std::memory_order_relaxed);
    const uint32_t job = job_of(ticket.load(std::memory_order_relaxed)) + 1;
    ticket.store(ticket_of(job, (uint32_t)n, 0), std::memory_order_seq_cst);  // publishes fn and ctx
    wake();
    work(job);
    int spins = 0;
    while (done.load(std::memory_order_acquire) != n) {
      if (++spins < (1 << 12)) WEFT_PAUSE();
      else std::this_thread::yield();
    }
  }
};

// Leaked on purpose: joining threads from a static destructor at process exit can deadlock.
Pool* g_pool = new Pool();
int g_wanted = 1;
bool g_started = false;

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
    if (nth == 1) fn(ctx, 0, 1);
    return;
  }
  Pool* p = g_pool;
  bool expected = false;
  if (g_wanted <= 1 || nth > 0xffff || !p->busy.compare_exchange_strong(expected, true)) {
    for (int i = 0; i < nth; i++) fn(ctx, i, nth);  // nested call, another JS thread, or no workers
    return;
  }
  if (!g_started) {
    p->start(g_wanted);
    g_started = true;
  }
  p->run(nth, fn, ctx);
  p->busy.store(false, std::memory_order_release);
}

}  // namespace weft

extern "C" {
void weft_set_threads(int n) { weft::pool_set_threads(n); }
int weft_get_threads(void) { return weft::pool_threads(); }
}
