// Binary elementwise ops over strided (broadcasting) layouts; the inner axis is vectorised when its strides are 0/1.
#include <math.h>

#include "../../include/weft.h"
#include "common.h"

namespace weft {
namespace {

constexpr int kMaxDims = 16;

static inline float op1(int op, float a, float b) {
  switch (op) {
    case WEFT_ADD: return a + b;
    case WEFT_SUB: return a - b;
    case WEFT_MUL: return a * b;
    case WEFT_DIV: return a / b;
    case WEFT_POW: return (float)pow((double)a, (double)b);
    case WEFT_MAX: return a != a || b != b ? NAN : a > b ? a : b;
    case WEFT_MIN: return a != a || b != b ? NAN : a < b ? a : b;
    default: return NAN;
  }
}

template <int OP>
static inline Vec opv(Vec a, Vec b) {
  if constexpr (OP == WEFT_ADD) return vadd(a, b);
  if constexpr (OP == WEFT_SUB) return vsub(a, b);
  if constexpr (OP == WEFT_MUL) return vmul(a, b);
  if constexpr (OP == WEFT_DIV) return vdiv(a, b);
  // max/min: NaN in either operand gives NaN, like Math.max.
  if constexpr (OP == WEFT_MAX) return vselect_nan(a, a, vselect_nan(b, b, vmax(a, b)));
  if constexpr (OP == WEFT_MIN) return vselect_nan(a, a, vselect_nan(b, b, vmin(a, b)));
  return a;
}

/** Layout with unit dims dropped and mergeable neighbours fused (fewer, longer inner loops). */
struct Layout {
  int nd = 0;
  int64_t shape[kMaxDims], sa[kMaxDims], sb[kMaxDims];
};

Layout simplify(int ndim, const int64_t* shape, const int64_t* sa, const int64_t* sb) {
  Layout L;
  for (int d = 0; d < ndim; d++) {
    if (shape[d] == 1) continue;
    if (L.nd > 0) {
      const int p = L.nd - 1;  // fuse when stepping the outer dim equals stepping through the inner one
      if (L.sa[p] == sa[d] * shape[d] && L.sb[p] == sb[d] * shape[d]) {
        L.shape[p] *= shape[d];
        L.sa[p] = sa[d];
        L.sb[p] = sb[d];
        continue;
      }
    }
    L.shape[L.nd] = shape[d];
    L.sa[L.nd] = sa[d];
    L.sb[L.nd] = sb[d];
    L.nd++;
  }
  if (L.nd == 0) {
    L.nd = 1;
    L.shape[0] = 1;
    L.sa[0] = L.sb[0] = 0;
  }
  return L;
}

/** One inner row: out[0, n) = a[i * sa] op b[i * sb]. */
template <int OP>
static inline void row(const float* a, const float* b, float* out, int64_t n, int64_t sa, int64_t sb) {
  constexpr int V = Vec::N;
  int64_t i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + V <= n; i += V) vstore(out + i, opv<OP>(vload(a + i), vload(b + i)));
    if (i < n) vstore_part(out + i, opv<OP>(vload_part_fill(a + i, n - i, 1.0f), vload_part_fill(b + i, n - i, 1.0f)), n - i);
  } else if (sa == 1 && sb == 0) {
    const Vec bv = vset1(*b);
    for (; i + V <= n; i += V) vstore(out + i, opv<OP>(vload(a + i), bv));
    if (i < n) vstore_part(out + i, opv<OP>(vload_part_fill(a + i, n - i, 1.0f), bv), n - i);
  } else if (sa == 0 && sb == 1) {
    const Vec av = vset1(*a);
    for (; i + V <= n; i += V) vstore(out + i, opv<OP>(av, vload(b + i)));
    if (i < n) vstore_part(out + i, opv<OP>(av, vload_part_fill(b + i, n - i, 1.0f)), n - i);
  } else {
    for (; i < n; i++) out[i] = op1(OP, a[i * sa], b[i * sb]);
  }
}

template <>
inline void row<WEFT_POW>(const float* a, const float* b, float* out, int64_t n, int64_t sa, int64_t sb) {
  for (int64_t i = 0; i < n; i++) out[i] = op1(WEFT_POW, a[i * sa], b[i * sb]);
}

/** Rows [r0, r1) of the layout viewed as [rows, inner]. */
template <int OP>
void rows(const Layout& L, const float* a, const float* b, float* out, int64_t r0, int64_t r1) {
  const int in = L.nd - 1;
  const int64_t n = L.shape[in];
  int64_t idx[kMaxDims] = {0};
  int64_t rem = r0, oa = 0, ob = 0;
  for (int d = in - 1; d >= 0; d--) {  // multi-index of row r0
    idx[d] = rem % L.shape[d];
    rem /= L.shape[d];
    oa += idx[d] * L.sa[d];
    ob += idx[d] * L.sb[d];
  }
  for (int64_t r = r0; r < r1; r++) {
    row<OP>(a + oa, b + ob, out + r * n, n, L.sa[in], L.sb[in]);
    for (int d = in - 1; d >= 0; d--) {  // odometer step
      idx[d]++;
      oa += L.sa[d];
      ob += L.sb[d];
      if (idx[d] < L.shape[d]) break;
      oa -= L.sa[d] * L.shape[d];
      ob -= L.sb[d] * L.shape[d];
      idx[d] = 0;
    }
  }
}

template <int OP>
void run(const Layout& L, const float* a, const float* b, float* out) {
  const int64_t n = L.shape[L.nd - 1];
  int64_t nrows = 1;
  for (int d = 0; d < L.nd - 1; d++) nrows *= L.shape[d];
  if (nrows == 1) {  // one long row: split it
    for_range(n, kGrainCheap, [&](int64_t lo, int64_t hi) {
      const int64_t sa = L.sa[0], sb = L.sb[0];
      row<OP>(a + lo * sa, b + lo * sb, out + lo, hi - lo, sa, sb);
    });
    return;
  }
  const int nth = pick_threads(nrows * n, kGrainCheap);
  auto job = [&](int ith, int nt) {
    int64_t r0, r1;
    split_range(nrows, ith, nt, 1, &r0, &r1);
    if (r0 < r1) rows<OP>(L, a, b, out, r0, r1);
  };
  parallel(nth, job);
}

}  // namespace
}  // namespace weft

using namespace weft;

extern "C" {

void weft_binary_f32(int op, const float* a, const float* b, float* out, int ndim, const int64_t* shape,
                     const int64_t* stridesA, const int64_t* stridesB, int64_t offsetA, int64_t offsetB) {
  for (int d = 0; d < ndim; d++)
    if (shape[d] == 0) return;
  if (ndim > kMaxDims) {
    weft_binary_f32_generic(op, a, b, out, ndim, shape, stridesA, stridesB, offsetA, offsetB);
    return;
  }
  const Layout L = simplify(ndim, shape, stridesA, stridesB);
  a += offsetA;
  b += offsetB;
  switch (op) {
    case WEFT_ADD: run<WEFT_ADD>(L, a, b, out); break;
    case WEFT_SUB: run<WEFT_SUB>(L, a, b, out); break;
    case WEFT_MUL: run<WEFT_MUL>(L, a, b, out); break;
    case WEFT_DIV: run<WEFT_DIV>(L, a, b, out); break;
    case WEFT_POW: run<WEFT_POW>(L, a, b, out); break;
    case WEFT_MAX: run<WEFT_MAX>(L, a, b, out); break;
    case WEFT_MIN: run<WEFT_MIN>(L, a, b, out); break;
    default: break;
  }
}

void weft_binary_f32_generic(int op, const float* a, const float* b, float* out, int ndim, const int64_t* shape,
                             const int64_t* stridesA, const int64_t* stridesB, int64_t offsetA, int64_t offsetB) {
  int64_t total = 1;
  for (int d = 0; d < ndim; d++) total *= shape[d];
  for (int64_t i = 0; i < total; i++) {
    int64_t rem = i, oa = offsetA, ob = offsetB;
    for (int d = ndim - 1; d >= 0; d--) {
      const int64_t k = rem % shape[d];
      rem /= shape[d];
      oa += k * stridesA[d];
      ob += k * stridesB[d];
    }
    out[i] = op1(op, a[oa], b[ob]);
  }
}
}
