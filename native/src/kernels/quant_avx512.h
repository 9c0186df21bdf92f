// Shared plumbing of the AVX-512 quantised-linear tiles: horizontal sums of NR accumulators and the dispatch
// from (rows, mt) to a kernel instantiated for NR weight rows x MT activation rows.
#pragma once

#include <immintrin.h>

#include "quant.h"

namespace weft {
namespace quant {

/** out[j] = sum of the lanes of acc[j], j < NR. */
template <int NR>
inline void store_sums(const __m512* acc, float* out) {
  if constexpr (NR == 4) {
    __m256 s[4];
    for (int j = 0; j < 4; j++) s[j] = _mm256_add_ps(_mm512_castps512_ps256(acc[j]), _mm512_extractf32x8_ps(acc[j], 1));
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(s[0], s[1]), _mm256_hadd_ps(s[2], s[3]));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
  } else {
    for (int j = 0; j < NR; j++) out[j] = _mm512_reduce_add_ps(acc[j]);
  }
}

/** Runs T::run<NR, MT> over nrows weight rows. The NR rows of one call come from NR separate quarters of the
 *  range (rows j, j + q, j + 2q, ...), so the weights stream as NR long sequential runs: NR adjacent rows
 *  would be NR streams of one row each, too short for the hardware prefetchers when the weights come from
 *  DRAM (Q8_0 decode ran at half the speed). The rows left over go one at a time. */
template <int NR, int MT, class T>
void rows_nm(const uint8_t* w, int64_t rb, int64_t nrows, const Act& a, int64_t m0, float* out, int64_t ldo) {
  const int64_t q = nrows / NR;
  alignas(16) float tmp[MT * NR];
  for (int64_t j = 0; j < q; j++) {
    T::template run<NR, MT>(w + j * rb, q * rb, a, m0, tmp, NR);
    for (int i = 0; i < MT; i++)
      for (int r = 0; r < NR; r++) out[i * ldo + j + r * q] = tmp[i * NR + r];
  }
  for (int64_t j = NR * q; j < nrows; j++) T::template run<1, MT>(w + j * rb, rb, a, m0, out + j, ldo);
}

/** A TileFn over T: NR x MT chosen to keep accumulators and decoded weights in the 32 vector registers. */
template <class T>
void tile_rows(const uint8_t* w, int64_t rb, int64_t nrows, const Act& a, int64_t m0, int mt, float* out,
               int64_t ldo) {
  switch (mt) {
    case 1: rows_nm<4, 1, T>(w, rb, nrows, a, m0, out, ldo); break;
    case 2: rows_nm<4, 2, T>(w, rb, nrows, a, m0, out, ldo); break;
    case 3: rows_nm<2, 3, T>(w, rb, nrows, a, m0, out, ldo); break;
    default: rows_nm<2, 4, T>(w, rb, nrows, a, m0, out, ldo); break;
  }
}

}  // namespace quant
}  // namespace weft
