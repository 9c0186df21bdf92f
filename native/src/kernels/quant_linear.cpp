// Quantised linear driver: out[M, N] = x[M, K] . W^T for W rows of GGML blocks. Quantises x once per call
// (Q8_0-style 32-blocks or Q8_K), then splits the weight rows N into chunks claimed by the pool's threads.
// Up to kPanelMinM - 1 activation rows (decode, small batches) go through the tiles, which decode each weight
// block once for up to kMaxTile rows; from kPanelMinM rows (prefill) through the block-transposed panels
// (quant_panel.cpp). The _generic twin runs the scalar quantiser and dot on one thread.
#include <atomic>

#include "../../include/weft.h"
#include "../parallel/pool.h"
#include "quant.h"
#include "quant_panel.h"

using namespace weft;
using namespace weft::quant;

namespace {

/** MACs worth waking another thread for; rows per cache group. */
constexpr int64_t kGrainMacs = 1 << 17;
constexpr int64_t kGroupBytes = 48 * 1024;

TileFn pick_tile(int type) {
#if WEFT_Q_AVX512
  TileFn t = simd_tile_avx512_legacy(type);
  return t ? t : simd_tile_avx512_k(type);
#elif defined(__AVX2__)
  return simd_tile_avx2(type);
#else
  (void)type;
  return nullptr;
#endif
}

struct Job {
  int type;
  TileFn tile;
  const Act* a;
  const uint8_t* w;
  int64_t rb;  // bytes per weight row
  float* out;
  int64_t M, N;
};

/** Rows [n0, n1) of the output for all M activation rows. */
void rows(const Job& j, int64_t n0, int64_t n1) {
  // Several activation tiles: groups of weight rows stay in cache across them. One tile: the whole range at
  // once, so the tile streams its weight rows in long sequential runs.
  int64_t group = j.M <= kMaxTile ? n1 - n0 : kGroupBytes / (j.rb > 0 ? j.rb : 1);
  if (group < 1) group = 1;
  for (int64_t g0 = n0; g0 < n1; g0 += group) {
    const int64_t g1 = g0 + group < n1 ? g0 + group : n1;
    for (int64_t m0 = 0; m0 < j.M; m0 += kMaxTile) {
      const int mt = (int)(j.M - m0 < kMaxTile ? j.M - m0 : kMaxTile);
      if (j.tile) {
        j.tile(j.w + g0 * j.rb, j.rb, g1 - g0, *j.a, m0, mt, j.out + m0 * j.N + g0, j.N);
        continue;
      }
      for (int64_t n = g0; n < g1; n++)
        for (int i = 0; i < mt; i++) j.out[(m0 + i) * j.N + n] = dot_generic(j.type, j.w + n * j.rb, *j.a, m0 + i);
    }
  }
}

/** Quantises all M rows, on several threads when there is enough of them. */
int64_t quantize_rows(Act* a, const float* x, bool simd) {
  const int nth = simd ? pick_threads(a->M * a->K, 1 << 15) : 1;
  if (nth <= 1) return act_quantize(a, x, 0, a->M, simd);
  int64_t bad[64];
  const int nt = nth < 64 ? nth : 64;
  auto job = [&](int ith, int n) {
    int64_t lo, hi;
    split_range(a->M, ith, n, 1, &lo, &hi);
    bad[ith] = lo < hi ? act_quantize(a, x, lo, hi, true) : -1;
  };
  parallel(nt, job);
  for (int i = 0; i < nt; i++)
    if (bad[i] >= 0) return bad[i];
  return -1;
}

/** The prefill path: activation panel once, then weight rows in chunks across the pool. */
bool linear_panel(const Job& j, int nth) {
  Panel p;
  if (!panel_prepare(&p, *j.a)) return false;
  const int64_t chunks = nth <= 1 ? 1 : ((int64_t)nth * 8 < (j.N + 3) / 4 ? (int64_t)nth * 8 : (j.N + 3) / 4);
  std::atomic<bool> ok{true};
  auto job = [&](int ith, int n) {
    int64_t lo, hi;
    split_range(j.N, ith, n, 4, &lo, &hi);
    if (lo < hi && !panel_rows(p, *j.a, j.w, j.rb, lo, hi, j.out, j.N)) ok.store(false, std::memory_order_relaxed);
  };
  parallel((int)chunks, job);
  return ok.load();
}

int64_t linear_quant(int type, const float* x, const uint8_t* w, float* out, int64_t M, int64_t N, int64_t K,
                     bool simd) {
  const TypeInfo ti = type_info(type);
  if (ti.block == 0 || K % ti.block != 0) return -2;
  if (M <= 0 || N <= 0) return -1;
  Act a;
  if (!act_alloc(&a, type, M, K)) return -3;
  const int64_t bad = quantize_rows(&a, x, simd);
  if (bad >= 0) return bad;
  const Job j{type, simd ? pick_tile(type) : nullptr, &a, w, (K / ti.block) * ti.bytes, out, M, N};
  const int nth = simd ? pick_threads(M * N * K, kGrainMacs) : 1;
  if (simd && M >= kPanelMinM && panel_supported(type)) return linear_panel(j, nth) ? -1 : -3;
  if (nth <= 1) {
    rows(j, 0, N);
    return -1;
  }
  // More chunks than threads: a thread the OS has descheduled holds up only a small chunk.
  int64_t chunks = (int64_t)nth * 8;
  if (chunks > N) chunks = N;
  auto job = [&](int ith, int n) {
    int64_t lo, hi;
    split_range(N, ith, n, 1, &lo, &hi);
    if (lo < hi) rows(j, lo, hi);
  };
  parallel((int)chunks, job);
  return -1;
}

}  // namespace

extern "C" {

int weft_linear_quant_block(int type) { return type_info(type).block; }
int weft_linear_quant_type_size(int type) { return type_info(type).bytes; }

int64_t weft_linear_quant(int type, const float* x, const uint8_t* w, float* out, int64_t M, int64_t N, int64_t K) {
  return linear_quant(type, x, w, out, M, N, K, true);
}

int64_t weft_linear_quant_generic(int type, const float* x, const uint8_t* w, float* out, int64_t M, int64_t N,
                                  int64_t K) {
  return linear_quant(type, x, w, out, M, N, K, false);
}
}
