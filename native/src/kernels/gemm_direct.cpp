// Direct GEMM for M <= kDirectMaxM: streams B once with no packing. Row-major B uses k-unrolled axpy rows
// (C rows stay in L1), transposed B ([N, K] weights) uses register-blocked dot products. Threads split N.
#include <stdlib.h>
#include <string.h>

#include "../parallel/pool.h"
#include "gemm_direct.h"
#include "gemm_pack.h"

namespace weft {
namespace {

constexpr int AMB = VN >= 16 ? 4 : 2;
// Row-major B: up to this M the k-unrolled axpy rows stream B once in order (decode); above, register tiles.
constexpr int64_t kAxpyMaxM = 8;  // rows of C per axpy pass (register budget)
constexpr int DMB = VN >= 16 ? 4 : 2;  // rows of x per dot tile

/** crow[m][0, jn) += sum_u a[m][u] * brow[u][0, jn) for MB rows and U k-steps. */
template <BType T, int MB, int U>
static inline void axpy_step(float* const* crow, const float* av, const typename BLoad<T>::E* const* brow,
                             int64_t jn) {
  using L = BLoad<T>;
  Vec a[MB][U];
#pragma GCC unroll 4
  for (int m = 0; m < MB; m++)
#pragma GCC unroll 4
    for (int u = 0; u < U; u++) a[m][u] = vset1(av[m * U + u]);
  int64_t j = 0;
  for (; j + VN <= jn; j += VN) {
    Vec b[U];
#pragma GCC unroll 4
    for (int u = 0; u < U; u++) b[u] = L::load(brow[u] + j);
#pragma GCC unroll 4
    for (int m = 0; m < MB; m++) {
      Vec acc = vload(crow[m] + j);
#pragma GCC unroll 4
      for (int u = 0; u < U; u++) acc = vfma(a[m][u], b[u], acc);
      vstore(crow[m] + j, acc);
    }
  }
  if (j < jn) {
    const int64_t n = jn - j;
    Vec b[U];
    for (int u = 0; u < U; u++) b[u] = L::part(brow[u] + j, n);
    for (int m = 0; m < MB; m++) {
      Vec acc = vload_part(crow[m] + j, n);
      for (int u = 0; u < U; u++) acc = vfma(a[m][u], b[u], acc);
      vstore_part(crow[m] + j, acc, n);
    }
  }
}

template <BType T, int U>
void rows_step(const GemmArgs& g, int64_t k, int64_t j0, int64_t jn) {
  using E = typename BLoad<T>::E;
  const E* brow[U];
  for (int u = 0; u < U; u++) brow[u] = static_cast<const E*>(g.b) + (k + u) * g.b_rs + j0;
  for (int64_t m0 = 0; m0 < g.M; m0 += AMB) {
    const int64_t mb = g.M - m0 < AMB ? g.M - m0 : AMB;
    float av[AMB * U];
    float* crow[AMB];
    for (int64_t m = 0; m < mb; m++) {
      crow[m] = g.c + (m0 + m) * g.ldc + j0;
      for (int u = 0; u < U; u++) av[m * U + u] = g.a[(m0 + m) * g.a_rs + (k + u) * g.a_cs];
    }
    switch (mb) {
      case 1: axpy_step<T, 1, U>(crow, av, brow, jn); break;
      case 2: axpy_step<T, 2, U>(crow, av, brow, jn); break;
#if defined(__AVX512F__)
      case 3: axpy_step<T, 3, U>(crow, av, brow, jn); break;
      case 4: axpy_step<T, 4, U>(crow, av, brow, jn); break;
#endif
      default: break;
    }
  }
}

template <BType T>
void axpy_cols(const GemmArgs& g, int64_t n0, int64_t n1) {
  int64_t nch = (4096 / g.M) / VN * VN;  // the C chunk (M x nch floats) stays within 16 KB of L1
  if (nch < 4 * VN) nch = 4 * VN;
  for (int64_t j0 = n0; j0 < n1; j0 += nch) {
    const int64_t jn = n1 - j0 < nch ? n1 - j0 : nch;
    if (!g.accumulate)
      for (int64_t m = 0; m < g.M; m++) memset(g.c + m * g.ldc + j0, 0, (size_t)jn * 4);
    int64_t k = 0;
    for (; k + 4 <= g.K; k += 4) rows_step<T, 4>(g, k, j0, jn);
    for (; k < g.K; k++) rows_step<T, 1>(g, k, j0, jn);
  }
}

constexpr int TMB = VN >= 16 ? 6 : 3;  // register tile of the unpacked kernel: TMB rows x TNV vectors
constexpr int TNV = VN >= 16 ? 4 : 2;
constexpr int64_t kPrefetchRows = 8;

/** C[MB rows from m0, TNV*VN cols from j] (+)= A[rows, :] x B[:, cols], B row-major read in place (no packing);
 *  the C tile lives in registers for the whole k loop. PART: only `nv` columns are valid. */
template <BType T, int MB, bool PART>
static inline void tile(const GemmArgs& g, int64_t m0, int64_t j, int64_t nv) {
  using L = BLoad<T>;
  using E = typename L::E;
  Vec acc[MB][TNV];
  float* c = g.c + m0 * g.ldc + j;
  int64_t cnt[TNV];
  for (int v = 0; v < TNV; v++) cnt[v] = PART ? (nv - v * VN < 0 ? 0 : nv - v * VN > VN ? VN : nv - v * VN) : VN;
#pragma GCC unroll 8
  for (int m = 0; m < MB; m++)
#pragma GCC unroll 4
    for (int v = 0; v < TNV; v++)
      acc[m][v] = !g.accumulate ? vzero() : PART ? vload_part(c + m * g.ldc + v * VN, cnt[v]) : vload(c + m * g.ldc + v * VN);
  const E* bp = static_cast<const E*>(g.b) + j;
  const float* ap = g.a + m0 * g.a_rs;
  for (int64_t k = 0; k < g.K; k++, bp += g.b_rs, ap += g.a_cs) {
    // B rows are 256-byte pieces at a large stride: the hardware prefetcher misses them, so fetch ahead.
    const char* pf = reinterpret_cast<const char*>(bp + kPrefetchRows * g.b_rs);
#pragma GCC unroll 4
    for (int l = 0; l < (int)(TNV * VN * sizeof(E)); l += 64) __builtin_prefetch(pf + l, 0, 3);
    Vec bv[TNV];
#pragma GCC unroll 4
    for (int v = 0; v < TNV; v++) bv[v] = PART ? L::part(bp + v * VN, cnt[v]) : L::load(bp + v * VN);
#pragma GCC unroll 8
    for (int m = 0; m < MB; m++) {
      const Vec av = vset1(ap[m * g.a_rs]);
#pragma GCC unroll 4
      for (int v = 0; v < TNV; v++) acc[m][v] = vfma(av, bv[v], acc[m][v]);
    }
  }
#pragma GCC unroll 8
  for (int m = 0; m < MB; m++)
#pragma GCC unroll 4
    for (int v = 0; v < TNV; v++) {
      if (PART) vstore_part(c + m * g.ldc + v * VN, acc[m][v], cnt[v]);
      else vstore(c + m * g.ldc + v * VN, acc[m][v]);
    }
}

template <BType T, bool PART>
void tile_rows(const GemmArgs& g, int64_t j, int64_t nv) {
  for (int64_t m0 = 0; m0 < g.M; m0 += TMB) {
    switch (g.M - m0 < TMB ? g.M - m0 : TMB) {
      case 1: tile<T, 1, PART>(g, m0, j, nv); break;
      case 2: tile<T, 2, PART>(g, m0, j, nv); break;
      case 3: tile<T, 3, PART>(g, m0, j, nv); break;
#if defined(__AVX512F__)
      case 4: tile<T, 4, PART>(g, m0, j, nv); break;
      case 5: tile<T, 5, PART>(g, m0, j, nv); break;
      case 6: tile<T, 6, PART>(g, m0, j, nv); break;
#endif
      default: break;
    }
  }
}

/** Columns [n0, n1) with the register-tiled unpacked kernel. */
template <BType T>
void tile_cols(const GemmArgs& g, int64_t n0, int64_t n1) {
  constexpr int64_t W = TNV * VN;
  int64_t j = n0;
  for (; j + W <= n1; j += W) tile_rows<T, false>(g, j, W);
  if (j < n1) tile_rows<T, true>(g, j, n1 - j);
}

/** out[m][n] (+)= dot(x[m], w[n]) for MB rows of x and NB rows of w (nbv of them valid). */
template <BType T, int MB, int NB>
static inline void dot_tile(const float* x, int64_t ldx, const typename BLoad<T>::E* w, int64_t ldw, int64_t K,
                            float* out, int64_t ldo, int64_t nbv, bool acc_out) {
  using L = BLoad<T>;
  using E = typename L::E;
  Vec acc[MB][NB];
  const E* wr[NB];
#pragma GCC unroll 8
  for (int n = 0; n < NB; n++) {
    wr[n] = w + (n < nbv ? n : 0) * ldw;
#pragma GCC unroll 4
    for (int m = 0; m < MB; m++) acc[m][n] = vzero();
  }
  int64_t k = 0;
  for (; k + VN <= K; k += VN) {
    Vec wv[NB];
#pragma GCC unroll 8
    for (int n = 0; n < NB; n++) wv[n] = L::load(wr[n] + k);
#pragma GCC unroll 4
    for (int m = 0; m < MB; m++) {
      const Vec xv = vload(x + m * ldx + k);
#pragma GCC unroll 8
      for (int n = 0; n < NB; n++) acc[m][n] = vfma(xv, wv[n], acc[m][n]);
    }
  }
  if (k < K) {
    const int64_t r = K - k;
    Vec wv[NB];
    for (int n = 0; n < NB; n++) wv[n] = L::part(wr[n] + k, r);
    for (int m = 0; m < MB; m++) {
      const Vec xv = vload_part(x + m * ldx + k, r);
      for (int n = 0; n < NB; n++) acc[m][n] = vfma(xv, wv[n], acc[m][n]);
    }
  }
  for (int m = 0; m < MB; m++)
    for (int64_t n = 0; n < nbv; n++) {
      const float s = vreduce_add(acc[m][n]);
      out[m * ldo + n] = acc_out ? out[m * ldo + n] + s : s;
    }
}

template <BType T>
void dot_cols(const GemmArgs& g, const float* x, int64_t ldx, int64_t n0, int64_t n1) {
  using E = typename BLoad<T>::E;
  const E* w = static_cast<const E*>(g.b);
  const int64_t nb = g.M == 1 ? 8 : 4;
  for (int64_t n = n0; n < n1; n += nb) {
    const int64_t nbv = n1 - n < nb ? n1 - n : nb;
    const E* wn = w + n * g.b_cs;
    if (g.M == 1) {
      dot_tile<T, 1, 8>(x, ldx, wn, g.b_cs, g.K, g.c + n, g.ldc, nbv, g.accumulate);
      continue;
    }
    for (int64_t m0 = 0; m0 < g.M; m0 += DMB) {
      const int64_t mb = g.M - m0 < DMB ? g.M - m0 : DMB;
      const float* xm = x + m0 * ldx;
      float* o = g.c + m0 * g.ldc + n;
      switch (mb) {
        case 1: dot_tile<T, 1, 4>(xm, ldx, wn, g.b_cs, g.K, o, g.ldc, nbv, g.accumulate); break;
        case 2: dot_tile<T, 2, 4>(xm, ldx, wn, g.b_cs, g.K, o, g.ldc, nbv, g.accumulate); break;
#if defined(__AVX512F__)
        case 3: dot_tile<T, 3, 4>(xm, ldx, wn, g.b_cs, g.K, o, g.ldc, nbv, g.accumulate); break;
        case 4: dot_tile<T, 4, 4>(xm, ldx, wn, g.b_cs, g.K, o, g.ldc, nbv, g.accumulate); break;
#endif
        default: break;
      }
    }
  }
}

template <BType T>
void direct(const GemmArgs& g, int nth) {
  const bool dot = g.b_cs != 1;  // B stored [N, K]
  const float* x = g.a;
  float* xcopy = nullptr;
  if (dot && g.a_cs != 1) {  // the dot kernel wants rows of A contiguous in k
    xcopy = static_cast<float*>(malloc((size_t)(g.M * g.K) * 4));
    for (int64_t m = 0; m < g.M; m++)
      for (int64_t k = 0; k < g.K; k++) xcopy[m * g.K + k] = g.a[m * g.a_rs + k * g.a_cs];
    x = xcopy;
  }
  const int64_t ldx = xcopy ? g.K : g.a_rs;
  const int64_t work = g.N * g.K * (1 + g.M / 4);
  int n = pick_threads(work, (int64_t)1 << 17);
  if (n > nth) n = nth;
  auto body = [&](int ith, int nt) {
    int64_t n0, n1;
    split_range(g.N, ith, nt, dot ? 8 : TNV * VN, &n0, &n1);
    if (n0 >= n1) return;
    if (dot) dot_cols<T>(g, x, ldx, n0, n1);
    else if (g.M <= kAxpyMaxM) axpy_cols<T>(g, n0, n1);
    else tile_cols<T>(g, n0, n1);
  };
  parallel(n, body);
  free(xcopy);
}

}  // namespace

void gemm_direct(const GemmArgs& g, int nth) {
  switch (g.bt) {
    case BType::F16: direct<BType::F16>(g, nth); break;
    case BType::BF16: direct<BType::BF16>(g, nth); break;
    default: direct<BType::F32>(g, nth); break;
  }
}

}  // namespace weft
