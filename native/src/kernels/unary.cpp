// Unary elementwise ops and their backward (dx = dy * f'(x)), plus affine; SIMD + threaded and scalar twins.
#include <math.h>

#include "../../include/weft.h"
#include "../simd/vmath.h"
#include "common.h"

namespace weft {
namespace {

constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kGeluA = 0.044715;
constexpr double kInvSqrt2 = 0.7071067811865476;
constexpr double kInvSqrt2Pi = 0.3989422804014327;

// ---- scalar definitions (double inside, like the TypeScript reference) ----
double fwd1(int op, double x) {
  switch (op) {
    case WEFT_NEG: return -x;
    case WEFT_EXP: return exp(x);
    case WEFT_LOG: return log(x);
    case WEFT_SQRT: return sqrt(x);
    case WEFT_RSQRT: return 1.0 / sqrt(x);
    case WEFT_ABS: return fabs(x);
    case WEFT_RELU: return x > 0 ? x : 0.0;
    case WEFT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case WEFT_TANH: return tanh(x);
    case WEFT_SILU: return x / (1.0 + exp(-x));
    case WEFT_GELU_TANH: return 0.5 * x * (1.0 + tanh(kSqrt2OverPi * (x + kGeluA * x * x * x)));
    case WEFT_GELU_ERF: return 0.5 * x * (1.0 + erf(x * kInvSqrt2));
    default: return NAN;
  }
}

double bwd1(int op, double x, double y, double dy) {
  switch (op) {
    case WEFT_NEG: return -dy;
    case WEFT_EXP: return dy * y;
    case WEFT_LOG: return dy / x;
    case WEFT_SQRT: return dy * 0.5 / y;
    case WEFT_RSQRT: return dy * -0.5 * y * y * y;
    case WEFT_ABS: return x > 0 ? dy : x < 0 ? -dy : 0.0;
    case WEFT_RELU: return x > 0 ? dy : 0.0;
    case WEFT_SIGMOID: return dy * y * (1.0 - y);
    case WEFT_TANH: return dy * (1.0 - y * y);
    case WEFT_SILU: {
      const double s = 1.0 / (1.0 + exp(-x));
      return dy * s * (1.0 + x * (1.0 - s));
    }
    case WEFT_GELU_TANH: {
      const double u = kSqrt2OverPi * (x + kGeluA * x * x * x);
      const double t = tanh(u);
      return dy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * kSqrt2OverPi * (1.0 + 3.0 * kGeluA * x * x));
    }
    case WEFT_GELU_ERF:
      return dy * (0.5 * (1.0 + erf(x * kInvSqrt2)) + x * exp(-0.5 * x * x) * kInvSqrt2Pi);
    default: return NAN;
  }
}

// ---- vector definitions ----
/** 2u = 2 sqrt(2/pi) (x + a x^3) of the tanh GELU. */
static inline Vec gelu_2u(Vec x) {
  return vmul(vset1((float)(2.0 * kSqrt2OverPi)), vfma(vmul(vset1((float)kGeluA), vmul(x, x)), x, x));
}

template <int OP>
static inline Vec fwdv(Vec x) {
  if constexpr (OP == WEFT_NEG) return vneg(x);
  if constexpr (OP == WEFT_EXP) return vexp(x);
  if constexpr (OP == WEFT_LOG) return vlog(x);
  if constexpr (OP == WEFT_SQRT) return vsqrt(x);
  if constexpr (OP == WEFT_RSQRT) return vdiv(vset1(1.0f), vsqrt(x));
  if constexpr (OP == WEFT_ABS) return vabs(x);
  if constexpr (OP == WEFT_RELU) return vselect_gt(x, vzero(), x, vzero());
  if constexpr (OP == WEFT_SIGMOID) return vsigmoid(x);
  if constexpr (OP == WEFT_TANH) return vtanh(x);
  if constexpr (OP == WEFT_SILU) return vmul(x, vsigmoid(x));
  // 0.5 (1 + tanh u) = sigmoid(2u): no cancellation in the negative tail.
  if constexpr (OP == WEFT_GELU_TANH) return vmul(x, vsigmoid(gelu_2u(x)));
  if constexpr (OP == WEFT_GELU_ERF) return vmul(x, vnormcdf(x));
  return x;
}

template <int OP>
static inline Vec bwdv(Vec x, Vec y, Vec dy) {
  const Vec one = vset1(1.0f);
  if constexpr (OP == WEFT_NEG) return vneg(dy);
  if constexpr (OP == WEFT_EXP) return vmul(dy, y);
  if constexpr (OP == WEFT_LOG) return vdiv(dy, x);
  if constexpr (OP == WEFT_SQRT) return vdiv(vmul(dy, vset1(0.5f)), y);
  if constexpr (OP == WEFT_RSQRT) return vmul(vmul(dy, vset1(-0.5f)), vmul(y, vmul(y, y)));
  if constexpr (OP == WEFT_ABS)
    return vselect_gt(x, vzero(), dy, vselect_gt(vzero(), x, vneg(dy), vzero()));
  if constexpr (OP == WEFT_RELU) return vselect_gt(x, vzero(), dy, vzero());
  if constexpr (OP == WEFT_SIGMOID) return vmul(dy, vmul(y, vsub(one, y)));
  if constexpr (OP == WEFT_TANH) return vmul(dy, vsub(one, vmul(y, y)));
  if constexpr (OP == WEFT_SILU) {
    Vec s = vsigmoid(x);
    return vmul(vmul(dy, s), vfma(x, vsub(one, s), one));
  }
  if constexpr (OP == WEFT_GELU_TANH) {  // s = sigmoid(2u): d/dx = s + 2 x s (1 - s) u'
    const Vec s = vsigmoid(gelu_2u(x));
    const Vec du = vmul(vset1((float)kSqrt2OverPi), vfma(vset1((float)(3.0 * kGeluA)), vmul(x, x), one));
    return vmul(dy, vfma(vmul(vmul(vset1(2.0f), x), vmul(s, vsub(one, s))), du, s));
  }
  if constexpr (OP == WEFT_GELU_ERF) {
    const Vec pdf = vmul(vexp(vmul(vset1(-0.5f), vmul(x, x))), vset1((float)kInvSqrt2Pi));
    return vmul(dy, vfma(x, pdf, vnormcdf(x)));
  }
  return dy;
}

template <int OP>
void fwd_run(const float* x, float* out, int64_t n) {
  const int64_t grain = OP <= WEFT_EXP || OP == WEFT_ABS || OP == WEFT_RELU ? kGrainCheap : kGrainCostly;
  for_range(n, grain, [&](int64_t lo, int64_t hi) {
    int64_t i = lo;
    for (; i + Vec::N <= hi; i += Vec::N) vstore(out + i, fwdv<OP>(vload(x + i)));
    if (i < hi) vstore_part(out + i, fwdv<OP>(vload_part_fill(x + i, hi - i, 1.0f)), hi - i);
  });
}

template <int OP>
void bwd_run(const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  for_range(n, kGrainCostly, [&](int64_t lo, int64_t hi) {
    int64_t i = lo;
    for (; i + Vec::N <= hi; i += Vec::N) vstore(dx + i, bwdv<OP>(vload(x + i), vload(y + i), vload(dy + i)));
    if (i < hi) {
      const int64_t r = hi - i;
      Vec v = bwdv<OP>(vload_part_fill(x + i, r, 1.0f), vload_part_fill(y + i, r, 1.0f), vload_part(dy + i, r));
      vstore_part(dx + i, v, r);
    }
  });
}

using FwdFn = void (*)(const float*, float*, int64_t);
using BwdFn = void (*)(const float*, const float*, const float*, float*, int64_t);

template <int... OPS>
struct Table {
  static constexpr FwdFn fwd[] = {&fwd_run<OPS>...};
  static constexpr BwdFn bwd[] = {&bwd_run<OPS>...};
};
using Ops = Table<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11>;
static_assert(WEFT_UNARY_COUNT == 12, "unary table covers every op");

}  // namespace
}  // namespace weft

using namespace weft;

extern "C" {

void weft_unary_f32(int op, const float* x, float* out, int64_t n) {
  if (op >= 0 && op < WEFT_UNARY_COUNT) Ops::fwd[op](x, out, n);
}

void weft_unary_backward_f32(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  if (op >= 0 && op < WEFT_UNARY_COUNT) Ops::bwd[op](x, y, dy, dx, n);
}

void weft_unary_f32_generic(int op, const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = (float)fwd1(op, x[i]);
}

void weft_unary_backward_f32_generic(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  for (int64_t i = 0; i < n; i++) dx[i] = (float)bwd1(op, x[i], y[i], dy[i]);
}

void weft_affine_f32(const float* x, float* out, int64_t n, float alpha, float beta) {
  const Vec a = vset1(alpha), b = vset1(beta);
  for_range(n, kGrainCheap, [&](int64_t lo, int64_t hi) {
    int64_t i = lo;
    for (; i + Vec::N <= hi; i += Vec::N) vstore(out + i, vfma(vload(x + i), a, b));
    if (i < hi) vstore_part(out + i, vfma(vload_part(x + i, hi - i), a, b), hi - i);
  });
}

void weft_affine_f32_generic(const float* x, float* out, int64_t n, float alpha, float beta) {
  for (int64_t i = 0; i < n; i++) out[i] = x[i] * alpha + beta;
}
}
