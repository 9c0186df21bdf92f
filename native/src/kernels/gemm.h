// Internal GEMM engine shared by matmul.cpp and linear.cpp: C[M,N] (+)= A[M,K] x B[K,N] over strided views.
#pragma once

#include <stdint.h>

namespace weft {

enum class BType { F32 = 0, F16 = 1, BF16 = 2 };

/** A(i,k) = a[i*a_rs + k*a_cs]; B(k,j) = b[k*b_rs + j*b_cs] of type bt; C(i,j) = c[i*ldc + j].
 *  One of a_rs, a_cs is 1 and one of b_rs, b_cs is 1 (row-major or transposed storage). */
struct GemmArgs {
  const float* a;
  int64_t a_rs, a_cs;
  const void* b;
  BType bt;
  int64_t b_rs, b_cs;
  float* c;
  int64_t ldc;
  int64_t M, N, K;
  bool accumulate;
};

/** Runs on up to nth threads of the pool (1 = the caller only). Picks the direct small-M path or the
 *  packed, cache-blocked path. */
void gemm(const GemmArgs& g, int nth);
/** Threads worth using for this shape (at most the pool size). */
int gemm_threads(int64_t M, int64_t N, int64_t K);

/** Scalar reference over the same views (one thread, f32 accumulation). */
void gemm_generic(const GemmArgs& g);

/** f32 -> f16 / bf16 bits, round to nearest even (f16 overflows to inf; NaN stays a quiet NaN). */
uint16_t f32_to_f16_bits(float f);
uint16_t f32_to_bf16_bits(float f);

/** Widen one weight element. */
float f16_bits_to_f32(uint16_t h);
static inline float bf16_bits_to_f32(uint16_t h) {
  union {
    uint32_t u;
    float f;
  } v;
  v.u = (uint32_t)h << 16;
  return v.f;
}

}  // namespace weft
