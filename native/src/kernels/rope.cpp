// Rotary position embedding over [B, T, H, D]: angles in double per (b, t), rotation applied to every head.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/weft.h"
#include "common.h"

namespace weft {
namespace {

/** cos/sin of pos * invFreq[i] (double angle, like the reference), times attnFactor, sin negated when inverse. */
static inline void angles(int32_t pos, const float* inv_freq, int64_t half, float attn, bool inverse, float* c, float* s) {
  for (int64_t i = 0; i < half; i++) {
    const double th = (double)pos * (double)inv_freq[i];
    c[i] = (float)cos(th) * attn;
    s[i] = (float)sin(th) * attn * (inverse ? -1.0f : 1.0f);
  }
}

/** One head: rotates the first nRot of D values, copies the rest. cs/ss are expanded per element for the
 *  interleaved layout (cs[2i] = cs[2i+1] = c_i, ss[2i] = -s_i, ss[2i+1] = s_i). */
static inline void head(const float* x, float* y, int64_t D, int64_t nRot, bool neox, const float* c, const float* s,
                        const float* cs, const float* ss) {
  constexpr int V = Vec::N;
  const int64_t half = nRot / 2;
  if (neox) {
    int64_t i = 0;
    for (; i + V <= half; i += V) {
      const Vec x0 = vload(x + i), x1 = vload(x + i + half), cv = vload(c + i), sv = vload(s + i);
      vstore(y + i, vsub(vmul(x0, cv), vmul(x1, sv)));
      vstore(y + i + half, vfma(x0, sv, vmul(x1, cv)));
    }
    for (; i < half; i++) {
      const float x0 = x[i], x1 = x[i + half];
      y[i] = x0 * c[i] - x1 * s[i];
      y[i + half] = x0 * s[i] + x1 * c[i];
    }
  } else {
    int64_t i = 0;
#if defined(__AVX512F__) || defined(__AVX2__)
    for (; i + V <= nRot; i += V) {  // y = x * c + swap_pairs(x) * (-s, s)
      const Vec xv = vload(x + i);
      vstore(y + i, vfma(vswap_pairs(xv), vload(ss + i), vmul(xv, vload(cs + i))));
    }
#endif
    for (; i < nRot; i += 2) {
      const float x0 = x[i], x1 = x[i + 1], cc = c[i / 2], sn = s[i / 2];
      y[i] = x0 * cc - x1 * sn;
      y[i + 1] = x0 * sn + x1 * cc;
    }
  }
  if (nRot < D && y != x) memcpy(y + nRot, x + nRot, (size_t)(D - nRot) * 4);
}

}  // namespace
}  // namespace weft

using namespace weft;

extern "C" {

void weft_rope_f32(const float* x, float* out, const int32_t* positions, const float* inv_freq, int64_t B, int64_t T,
                   int64_t H, int64_t D, int64_t n_rot, int neox, int inverse, float attn_factor) {
  const int64_t half = n_rot / 2;
  const int nth = pick_threads(B * T * H * D, kGrainCheap / 4);
  auto job = [&](int ith, int nt) {
    int64_t r0, r1;
    split_range(B * T, ith, nt, 1, &r0, &r1);
    if (r0 >= r1) return;
    float* buf = static_cast<float*>(malloc((size_t)(2 * half + 2 * n_rot + 2) * 4));
    float *c = buf, *s = buf + half, *cs = buf + 2 * half, *ss = cs + n_rot;
    for (int64_t bt = r0; bt < r1; bt++) {
      angles(positions[bt], inv_freq, half, attn_factor, inverse != 0, c, s);
      for (int64_t i = 0; i < half; i++) {
        cs[2 * i] = cs[2 * i + 1] = c[i];
        ss[2 * i] = -s[i];
        ss[2 * i + 1] = s[i];
      }
      for (int64_t h = 0; h < H; h++) {
        const int64_t off = (bt * H + h) * D;
        head(x + off, out + off, D, n_rot, neox != 0, c, s, cs, ss);
      }
    }
    free(buf);
  };
  parallel(nth, job);
}

void weft_rope_f32_generic(const float* x, float* out, const int32_t* positions, const float* inv_freq, int64_t B,
                           int64_t T, int64_t H, int64_t D, int64_t n_rot, int neox, int inverse, float attn_factor) {
  const int64_t half = n_rot / 2;
  for (int64_t bt = 0; bt < B * T; bt++)
    for (int64_t h = 0; h < H; h++) {
      const float* xr = x + (bt * H + h) * D;
      float* yr = out + (bt * H + h) * D;
      for (int64_t d = n_rot; d < D; d++) yr[d] = xr[d];
      for (int64_t i = 0; i < half; i++) {
        const double th = (double)positions[bt] * (double)inv_freq[i];
        const float c = (float)cos(th) * attn_factor, s = (float)sin(th) * attn_factor * (inverse ? -1.0f : 1.0f);
        const int64_t i0 = neox ? i : 2 * i, i1 = neox ? i + half : 2 * i + 1;
        const float x0 = xr[i0], x1 = xr[i1];
        yr[i0] = x0 * c - x1 * s;
        yr[i1] = x0 * s + x1 * c;
      }
    }
}
}
