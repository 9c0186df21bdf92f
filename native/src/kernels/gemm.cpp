// Packed, cache-blocked GEMM: MR x NR register-blocked micro-kernel over panels packed per KC slice,
// threads over 2-D blocks of C. Small M goes to the direct kernels of gemm_direct.cpp instead.
#include <stdlib.h>
#include <string.h>

#include "../parallel/pool.h"
#include "gemm_direct.h"
#include "gemm_pack.h"

namespace weft {
namespace {

// Zen 4: 32 KB L1d, 1 MB L2 per core, 32 MB shared L3. The B block (KC x NC) stays in L2 while each A
// micro-panel (MR x KC, 12 KB) stays in L1 across the NC / NR micro-tiles; A's whole M x KC slice sits in L3.
constexpr int64_t KC = 256;
constexpr int64_t NC = 512;
constexpr int64_t MC = 3072;

/** C[MR, NR] (+)= Ap x Bp over kc. load_c: start from C instead of zero. */
static inline __attribute__((always_inline)) void ukernel(int64_t kc, const float* __restrict ap,
                                                         const float* __restrict bp, float* __restrict c,
                                                         int64_t ldc, bool load_c) {
  Vec c0[MR], c1[MR];
  if (load_c) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      c0[r] = vload(c + r * ldc);
      c1[r] = vload(c + r * ldc + VN);
    }
  } else {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) c0[r] = c1[r] = vzero();
  }
  for (int64_t k = 0; k < kc; k++) {
    Vec b0 = vload(bp), b1 = vload(bp + VN);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      Vec a = vset1(ap[r]);
      c0[r] = vfma(a, b0, c0[r]);
      c1[r] = vfma(a, b1, c1[r]);
    }
    ap += MR;
    bp += NR;
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
    vstore(c + r * ldc, c0[r]);
    vstore(c + r * ldc + VN, c1[r]);
  }
}

/** A tile cut by the edge of C: run the full micro-kernel on a scratch tile and copy the valid part. */
static void edge_tile(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, bool load_c, int64_t mr,
                      int64_t nr) {
  alignas(64) float t[MR * NR];
  if (load_c) {
    memset(t, 0, sizeof t);
    for (int64_t r = 0; r < mr; r++) memcpy(t + r * NR, c + r * ldc, (size_t)nr * 4);
  }
  ukernel(kc, ap, bp, t, NR, load_c);
  for (int64_t r = 0; r < mr; r++) memcpy(c + r * ldc, t + r * NR, (size_t)nr * 4);
}

struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      free(p);
      p = static_cast<float*>(aligned_alloc(64, (n * 4 + 63) / 64 * 64));
      cap = n;
    }
    return p;
  }
};
thread_local Scratch tl_a, tl_b;

template <BType T>
void packed_block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  const int64_t mcap = (m1 - m0) < MC ? (m1 - m0) : MC;
  const int64_t ncap = (n1 - n0) < NC ? (n1 - n0) : NC;
  const int64_t kcap = g.K < KC ? g.K : KC;
  float* ap = tl_a.get((size_t)((mcap + MR - 1) / MR * MR * kcap));
  float* bp = tl_b.get((size_t)((ncap + NR - 1) / NR * NR * kcap));
  for (int64_t pc = 0; pc < g.K; pc += KC) {
    const int64_t kc = g.K - pc < KC ? g.K - pc : KC;
    const bool load_c = g.accumulate || pc > 0;
    for (int64_t ic = m0; ic < m1; ic += MC) {
      const int64_t mc = m1 - ic < MC ? m1 - ic : MC;
      pack_a(g, ic, mc, pc, kc, ap);
      for (int64_t jc = n0; jc < n1; jc += NC) {
        const int64_t nc = n1 - jc < NC ? n1 - jc : NC;
        pack_b<T>(g, pc, kc, jc, nc, bp);
        for (int64_t ir = 0; ir < mc; ir += MR) {
          const int64_t mr = mc - ir < MR ? mc - ir : MR;
          const float* apan = ap + ir * kc;
          float* crow = g.c + (ic + ir) * g.ldc + jc;
          for (int64_t jr = 0; jr < nc; jr += NR) {
            const int64_t nr = nc - jr < NR ? nc - jr : NR;
            if (mr == MR && nr == NR) ukernel(kc, apan, bp + jr * kc, crow + jr, g.ldc, load_c);
            else edge_tile(kc, apan, bp + jr * kc, crow + jr, g.ldc, load_c, mr, nr);
          }
        }
      }
    }
  }
}

/** Splits nth threads into pm x pn blocks of C, balancing micro-tiles (ties go to splitting N). */
void grid(int64_t M, int64_t N, int nth, int* pm, int* pn) {
  const int64_t tm = (M + MR - 1) / MR, tn = (N + NR - 1) / NR;
  int64_t best = -1;
  for (int a = 1; a <= nth; a++) {
    if (nth % a) continue;
    const int b = nth / a;
    const int64_t cost = ((tm + a - 1) / a) * ((tn + b - 1) / b) * 64 + a;  // small bias against splitting M
    if (best < 0 || cost < best) {
      best = cost;
      *pm = a;
      *pn = b;
    }
  }
}

template <BType T>
void packed(const GemmArgs& g, int nth) {
  int pm = 1, pn = 1;
  grid(g.M, g.N, nth, &pm, &pn);
  auto body = [&](int ith, int) {
    int64_t m0, m1, n0, n1;
    split_range(g.M, ith / pn, pm, MR, &m0, &m1);
    split_range(g.N, ith % pn, pn, NR, &n0, &n1);
    packed_block<T>(g, m0, m1, n0, n1);
  };
  parallel(pm * pn, body);
}

}  // namespace

int gemm_threads(int64_t M, int64_t N, int64_t K) {
  // About 30 us of single-core work per extra thread before waking one pays off.
  return pick_threads(M * N * K, (int64_t)1 << 21);
}

void gemm(const GemmArgs& g, int nth) {
  if (g.M <= 0 || g.N <= 0) return;
  if (g.K <= 0) {
    if (!g.accumulate)
      for (int64_t i = 0; i < g.M; i++) memset(g.c + i * g.ldc, 0, (size_t)g.N * 4);
    return;
  }
  if (use_direct(g)) {
    gemm_direct(g, nth);
    return;
  }
  const int want = gemm_threads(g.M, g.N, g.K);
  if (nth > want) nth = want;
  switch (g.bt) {
    case BType::F16: packed<BType::F16>(g, nth); break;
    case BType::BF16: packed<BType::BF16>(g, nth); break;
    default: packed<BType::F32>(g, nth); break;
  }
}

}  // namespace weft
