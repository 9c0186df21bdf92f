// Vector transcendental functions over Vec (log, tanh, sigmoid, erf), built on vexp; scalar twins for tails.
#pragma once

#include <float.h>

#include "vec.h"

namespace weft {

/** ln(x) for normal positive finite lanes (|rel err| ~1e-7). Callers route other lanes to logf. */
static inline Vec vlog_normal(Vec x) {
  Vec e = vgetexp(x), m = vgetmant(x);  // x = m * 2^e, m in [1, 2)
  // Centre m on 1: m in [sqrt(1/2), sqrt(2)).
  const Vec sqrt2 = vset1(1.41421356237f);
  Vec big = vselect_gt(m, sqrt2, vset1(1.0f), vzero());
  m = vselect_gt(m, sqrt2, vmul(m, vset1(0.5f)), m);
  e = vadd(e, big);
  Vec s = vdiv(vsub(m, vset1(1.0f)), vadd(m, vset1(1.0f)));  // ln m = 2 atanh(s), |s| <= 0.172
  Vec s2 = vmul(s, s);
  Vec p = vset1(1.0f / 9.0f);
  p = vfma(p, s2, vset1(1.0f / 7.0f));
  p = vfma(p, s2, vset1(1.0f / 5.0f));
  p = vfma(p, s2, vset1(1.0f / 3.0f));
  p = vfma(p, s2, vset1(1.0f));
  Vec lnm = vmul(vmul(vset1(2.0f), s), p);
  return vfma(e, vset1(0.693147180559945f), lnm);
}

/** ln(x) with libm for any lane that is not a normal positive finite number. */
static inline Vec vlog(Vec x) {
  if (vall_in(x, vset1(FLT_MIN), vset1(FLT_MAX))) return vlog_normal(x);
  alignas(64) float t[Vec::N];
  vstore(t, x);
  for (int i = 0; i < Vec::N; i++) t[i] = logf(t[i]);
  return vload(t);
}

/** 1 / (1 + e^-x) */
static inline Vec vsigmoid(Vec x) { return vdiv(vset1(1.0f), vadd(vset1(1.0f), vexp(vneg(x)))); }

/** tanh(x) = sign(x) (1 - e^-2|x|) / (1 + e^-2|x|) */
static inline Vec vtanh(Vec x) {
  Vec t = vexp(vmul(vset1(-2.0f), vabs(x)));
  Vec r = vdiv(vsub(vset1(1.0f), t), vadd(vset1(1.0f), t));
  return vcopysign(r, x);
}

/** Standard normal CDF Phi(x) = erfc(-x / sqrt 2) / 2, from a Chebyshev-fitted erfc with relative error
 *  below 1.2e-7 over the whole range, so the lower tail keeps its digits (no 1 + erf cancellation). */
static inline Vec vnormcdf(Vec x) {
  const Vec z = vmul(vabs(x), vset1(0.70710678118654752f));
  const Vec t = vdiv(vset1(1.0f), vfma(vset1(0.5f), z, vset1(1.0f)));
  Vec p = vset1(0.17087277f);
  p = vfma(p, t, vset1(-0.82215223f));
  p = vfma(p, t, vset1(1.48851587f));
  p = vfma(p, t, vset1(-1.13520398f));
  p = vfma(p, t, vset1(0.27886807f));
  p = vfma(p, t, vset1(-0.18628806f));
  p = vfma(p, t, vset1(0.09678418f));
  p = vfma(p, t, vset1(0.37409196f));
  p = vfma(p, t, vset1(1.00002368f));
  p = vfma(p, t, vset1(-1.26551223f));
  const Vec half_erfc = vmul(vmul(vset1(0.5f), t), vexp(vsub(p, vmul(z, z))));  // erfc(z) / 2, z >= 0
  return vselect_gt(vzero(), x, half_erfc, vsub(vset1(1.0f), half_erfc));
}

}  // namespace weft
