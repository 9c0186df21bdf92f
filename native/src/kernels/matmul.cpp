// Batched f32 matmul with transposes and broadcasting batch strides, on top of the GEMM engine.
#include "../../include/weft.h"
#include "../parallel/pool.h"
#include "gemm.h"

using namespace weft;

namespace {

GemmArgs view(const float* a, const float* b, float* c, int64_t M, int64_t N, int64_t K, int transA, int transB,
              int accumulate) {
  GemmArgs g;
  g.a = a;
  g.a_rs = transA ? 1 : K;
  g.a_cs = transA ? M : 1;
  g.b = b;
  g.bt = BType::F32;
  g.b_rs = transB ? 1 : N;
  g.b_cs = transB ? K : 1;
  g.c = c;
  g.ldc = N;
  g.M = M;
  g.N = N;
  g.K = K;
  g.accumulate = accumulate != 0;
  return g;
}

}  // namespace

extern "C" {

void weft_matmul_f32(const float* a, const float* b, float* c, int64_t batch, int64_t M, int64_t N, int64_t K,
                     int transA, int transB, int64_t strideA, int64_t strideB, int64_t strideC, int accumulate) {
  const int nth = pool_threads();
  const int per = gemm_threads(M, N, K);
  // Many small products: one thread per group of batches (unless C is shared across the batch).
  if (batch > 1 && nth > 1 && per < nth && strideC != 0) {
    const int use = pick_threads(batch * M * N * K, (int64_t)1 << 21);
    auto job = [&](int ith, int nt) {
      int64_t b0, b1;
      split_range(batch, ith, nt, 1, &b0, &b1);
      for (int64_t i = b0; i < b1; i++)
        gemm(view(a + i * strideA, b + i * strideB, c + i * strideC, M, N, K, transA, transB, accumulate), 1);
    };
    parallel(use, job);
    return;
  }
  for (int64_t i = 0; i < batch; i++)
    gemm(view(a + i * strideA, b + i * strideB, c + i * strideC, M, N, K, transA, transB, accumulate), nth);
}

void weft_matmul_f32_generic(const float* a, const float* b, float* c, int64_t batch, int64_t M, int64_t N,
                             int64_t K, int transA, int transB, int64_t strideA, int64_t strideB, int64_t strideC,
                             int accumulate) {
  for (int64_t i = 0; i < batch; i++)
    gemm_generic(view(a + i * strideA, b + i * strideB, c + i * strideC, M, N, K, transA, transB, accumulate));
}
}
