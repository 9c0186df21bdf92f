// linear: out[M, N] = x[M, K] . W^T for W [N, K] in f32, f16 or bf16 (widened to f32 in the kernels' loads;
// activations rounded to f16 / bf16 first, as llama.cpp does).
#include <stdlib.h>
#if defined(__AVX512F__) || defined(__F16C__)
#include <immintrin.h>
#endif

#include "../../include/weft.h"
#include "../parallel/pool.h"
#include "../simd/vec.h"
#include "gemm.h"

using namespace weft;

namespace {

GemmArgs view(const float* x, const void* w, BType bt, float* out, int64_t M, int64_t N, int64_t K) {
  GemmArgs g;
  g.a = x;
  g.a_rs = K;
  g.a_cs = 1;
  g.b = w;
  g.bt = bt;
  g.b_rs = 1;
  g.b_cs = K;
  g.c = out;
  g.ldc = N;
  g.M = M;
  g.N = N;
  g.K = K;
  g.accumulate = false;
  return g;
}

/** x rounded through the weight's activation type (llama.cpp's vec_dot for F16 / BF16 weights converts the
 *  activations first; the reference kernel does the same). Returns a malloc'd copy. */
float* round_activations(const float* x, int64_t n, BType bt, bool simd) {
  float* r = static_cast<float*>(malloc((size_t)(n > 0 ? n : 1) * 4));
  int64_t i = 0;
#if defined(__AVX512F__)
  if (simd && bt == BType::F16)
    for (; i + 16 <= n; i += 16)
      _mm512_storeu_ps(r + i, _mm512_cvtph_ps(_mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
#elif defined(__F16C__) && defined(__AVX__)
  if (simd && bt == BType::F16)
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(r + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
#endif
  for (; i < n; i++)
    r[i] = bt == BType::F16 ? f16_bits_to_f32(f32_to_f16_bits(x[i])) : bf16_bits_to_f32(f32_to_bf16_bits(x[i]));
  return r;
}

void linear(const float* x, const void* w, BType bt, float* out, int64_t M, int64_t N, int64_t K, bool simd) {
  float* xr = bt == BType::F32 ? nullptr : round_activations(x, M * K, bt, simd);
  const GemmArgs g = view(xr ? xr : x, w, bt, out, M, N, K);
  if (simd) gemm(g, pool_threads());
  else gemm_generic(g);
  free(xr);
}

}  // namespace

extern "C" {

void weft_linear_f32(const float* x, const float* w, float* out, int64_t M, int64_t N, int64_t K) {
  linear(x, w, BType::F32, out, M, N, K, true);
}
void weft_linear_f16(const float* x, const uint16_t* w, float* out, int64_t M, int64_t N, int64_t K) {
  linear(x, w, BType::F16, out, M, N, K, true);
}
void weft_linear_bf16(const float* x, const uint16_t* w, float* out, int64_t M, int64_t N, int64_t K) {
  linear(x, w, BType::BF16, out, M, N, K, true);
}
void weft_linear_f32_generic(const float* x, const float* w, float* out, int64_t M, int64_t N, int64_t K) {
  linear(x, w, BType::F32, out, M, N, K, false);
}
void weft_linear_f16_generic(const float* x, const uint16_t* w, float* out, int64_t M, int64_t N, int64_t K) {
  linear(x, w, BType::F16, out, M, N, K, false);
}
void weft_linear_bf16_generic(const float* x, const uint16_t* w, float* out, int64_t M, int64_t N, int64_t K) {
  linear(x, w, BType::BF16, out, M, N, K, false);
}

const char* weft_simd_level(void) { return WEFT_SIMD_NAME; }
}
