/* weft native kernels: the C ABI. Plain functions over raw pointers, element counts and element strides.
 * Every kernel has a SIMD + threaded version (weft_X) and a scalar single-threaded twin (weft_X_generic).
 * Callers validate shapes; these functions trust their arguments. Layouts follow src/backend/contract.ts.
 * Shape letters: B batch, T time, S key length, C channels, H heads, Hkv kv-heads, D head dim. */
#ifndef WEFT_H
#define WEFT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- threads ---- */
void weft_set_threads(int n);
int weft_get_threads(void);
/* "avx512", "avx2" or "generic": the SIMD level this build was compiled for. */
const char* weft_simd_level(void);

/* ---- matmul: C[b] = op(A[b]) x op(B[b]) (+ C[b] when accumulate). A[b] is [M,K] ([K,M] when transA),
 * B[b] is [K,N] ([N,K] when transB), C[b] is [M,N]; batch strides in elements, 0 broadcasts. ---- */
void weft_matmul_f32(const float* a, const float* b, float* c, int64_t batch, int64_t M, int64_t N, int64_t K,
                     int transA, int transB, int64_t strideA, int64_t strideB, int64_t strideC, int accumulate);
void weft_matmul_f32_generic(const float* a, const float* b, float* c, int64_t batch, int64_t M, int64_t N,
                             int64_t K, int transA, int transB, int64_t strideA, int64_t strideB, int64_t strideC,
                             int accumulate);

/* ---- linear: out[M,N] = x[M,K] . W^T, W is [N,K] rows of f32, IEEE f16 or bf16 ---- */
void weft_linear_f32(const float* x, const float* w, float* out, int64_t M, int64_t N, int64_t K);
void weft_linear_f16(const float* x, const uint16_t* w, float* out, int64_t M, int64_t N, int64_t K);
void weft_linear_bf16(const float* x, const uint16_t* w, float* out, int64_t M, int64_t N, int64_t K);
void weft_linear_f32_generic(const float* x, const float* w, float* out, int64_t M, int64_t N, int64_t K);
void weft_linear_f16_generic(const float* x, const uint16_t* w, float* out, int64_t M, int64_t N, int64_t K);
void weft_linear_bf16_generic(const float* x, const uint16_t* w, float* out, int64_t M, int64_t N, int64_t K);

/* ---- quantised linear: out[M,N] = x[M,K] . W^T, W is [N,K] rows of GGML blocks of `type` (ggml type ids:
 * 2 Q4_0, 3 Q4_1, 6 Q5_0, 7 Q5_1, 8 Q8_0, 10 Q2_K, 11 Q3_K, 12 Q4_K, 13 Q5_K, 14 Q6_K). As ggml does, x is first
 * quantised to the weight's dot-product type (Q8_0 / Q8_1 values for the 32-element types, Q8_K for the
 * K-quants); the dots are exact integer sums times f32 scales. Returns -1 on success, the index into x of the
 * first non-finite element (nothing written), -2 for a type or K it does not handle, -3 when out of memory. */
int weft_linear_quant_block(int type);     /* elements per block, 0 when the type is not handled */
int weft_linear_quant_type_size(int type); /* bytes per block */
int64_t weft_linear_quant(int type, const float* x, const uint8_t* w, float* out, int64_t M, int64_t N, int64_t K);
int64_t weft_linear_quant_generic(int type, const float* x, const uint8_t* w, float* out, int64_t M, int64_t N,
                                  int64_t K);

/* ---- unary: op codes in the order of the contract's UnaryOp ---- */
enum weft_unary_op {
  WEFT_NEG = 0, WEFT_EXP, WEFT_LOG, WEFT_SQRT, WEFT_RSQRT, WEFT_ABS, WEFT_RELU, WEFT_SIGMOID, WEFT_TANH,
  WEFT_SILU, WEFT_GELU_TANH, WEFT_GELU_ERF, WEFT_UNARY_COUNT
};
void weft_unary_f32(int op, const float* x, float* out, int64_t n);
void weft_unary_f32_generic(int op, const float* x, float* out, int64_t n);
/* dx = dy * f'(x); y = f(x) is given too. */
void weft_unary_backward_f32(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n);
void weft_unary_backward_f32_generic(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n);
/* out = x * alpha + beta */
void weft_affine_f32(const float* x, float* out, int64_t n, float alpha, float beta);
void weft_affine_f32_generic(const float* x, float* out, int64_t n, float alpha, float beta);

/* ---- binary over a strided layout: out contiguous with shape[ndim]; a, b read through their strides ---- */
enum weft_binary_op { WEFT_ADD = 0, WEFT_SUB, WEFT_MUL, WEFT_DIV, WEFT_POW, WEFT_MAX, WEFT_MIN, WEFT_BINARY_COUNT };
void weft_binary_f32(int op, const float* a, const float* b, float* out, int ndim, const int64_t* shape,
                     const int64_t* stridesA, const int64_t* stridesB, int64_t offsetA, int64_t offsetB);
void weft_binary_f32_generic(int op, const float* a, const float* b, float* out, int ndim, const int64_t* shape,
                             const int64_t* stridesA, const int64_t* stridesB, int64_t offsetA, int64_t offsetB);

/* ---- reduce: x viewed as [outer, n, inner] -> out [outer, inner] ---- */
enum weft_reduce_op { WEFT_SUM = 0, WEFT_MAX_R = 1 };
void weft_reduce_f32(int op, const float* x, float* out, int64_t outer, int64_t n, int64_t inner);
void weft_reduce_f32_generic(int op, const float* x, float* out, int64_t outer, int64_t n, int64_t inner);
/* Sum of all n elements (a streaming read; the bandwidth anchor of bench/kernels.ts). */
double weft_sum_all_f32(const float* x, int64_t n);
double weft_sum_all_f32_generic(const float* x, int64_t n);

/* ---- softmax over rows of x [rows, cols]; log-softmax when log != 0 ---- */
void weft_softmax_f32(const float* x, float* out, int64_t rows, int64_t cols, int log);
void weft_softmax_f32_generic(const float* x, float* out, int64_t rows, int64_t cols, int log);

/* ---- norms: w, b may be NULL ---- */
void weft_rms_norm_f32(const float* x, const float* w, float* out, float* rstd, int64_t rows, int64_t cols, float eps);
void weft_rms_norm_f32_generic(const float* x, const float* w, float* out, float* rstd, int64_t rows, int64_t cols,
                               float eps);
void weft_layer_norm_f32(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd,
                         int64_t rows, int64_t cols, float eps);
void weft_layer_norm_f32_generic(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd,
                                 int64_t rows, int64_t cols, float eps);

/* ---- rope over x [B,T,H,D]; positions [B*T]; invFreq [nRot/2] ---- */
void weft_rope_f32(const float* x, float* out, const int32_t* positions, const float* inv_freq, int64_t B, int64_t T,
                   int64_t H, int64_t D, int64_t n_rot, int neox, int inverse, float attn_factor);
void weft_rope_f32_generic(const float* x, float* out, const int32_t* positions, const float* inv_freq, int64_t B,
                           int64_t T, int64_t H, int64_t D, int64_t n_rot, int neox, int inverse, float attn_factor);

/* ---- attention: q [B,T,H,D], k, v [B,S,Hkv,D], mask [T,S] additive or NULL, out [B,T,H,D], lse [B,H,T] ---- */
void weft_attention_f32(const float* q, const float* k, const float* v, const float* mask, float* out, float* lse,
                        int64_t B, int64_t T, int64_t S, int64_t H, int64_t Hkv, int64_t D, float scale, int causal,
                        int64_t window, int64_t q_pos0);
void weft_attention_f32_generic(const float* q, const float* k, const float* v, const float* mask, float* out,
                                float* lse, int64_t B, int64_t T, int64_t S, int64_t H, int64_t Hkv, int64_t D,
                                float scale, int causal, int64_t window, int64_t q_pos0);

/* ---- gather rows of table [*, C] by ids[n]; scatter-add dy [n, C] into grad rows ---- */
void weft_gather_f32(const float* table, const int32_t* ids, float* out, int64_t n, int64_t C);
void weft_gather_f32_generic(const float* table, const int32_t* ids, float* out, int64_t n, int64_t C);
void weft_scatter_add_f32(float* grad, const int32_t* ids, const float* dy, int64_t n, int64_t C);
void weft_scatter_add_f32_generic(float* grad, const int32_t* ids, const float* dy, int64_t n, int64_t C);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_H */
