// Scalar dot products of one GGML block row with one quantised activation row: the _generic twins of the
// SIMD tiles. Integer sums per (sub-)block, then f32 scales, in ggml's vec_dot_*_generic order.
#include "quant.h"

namespace weft {
namespace quant {

namespace {

/** Legacy activation row m: int8 values, block scales, d * sum of each block. */
struct LRow {
  const int8_t* q;
  const float* d;
  const float* ds;
  int x(int64_t e) const { return q[e]; }
};

struct KRow {
  const int8_t* q;
  const float* d;
  const int16_t* bs;
};

/** Legacy 32-blocks: levels(blk, L) fills the 32 unsigned levels, off is subtracted, hasMin adds m * ds. */
template <int BYTES, int OFF, bool MIN, class Levels>
float legacy_dot(const uint8_t* w, const LRow& x, int64_t nb, Levels levels) {
  float sumf = 0.f;
  int L[32];
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* blk = w + BYTES * b;
    levels(blk, L);
    int sumi = 0;
    for (int j = 0; j < 32; j++) sumi += (L[j] - OFF) * x.x(32 * b + j);
    const float dw = h2f(rd16(blk));
    sumf += (float)sumi * (dw * x.d[b]);
    if (MIN) sumf += h2f(rd16(blk + 2)) * x.ds[b];
  }
  return sumf;
}

inline void nibbles(const uint8_t* qs, int* L) {
  for (int j = 0; j < 16; j++) {
    L[j] = qs[j] & 15;
    L[j + 16] = qs[j] >> 4;
  }
}

inline void fifth_bit(uint32_t qh, int* L) {
  for (int j = 0; j < 32; j++) L[j] |= (int)((qh >> j) & 1) << 4;
}

float dot_legacy(int type, const uint8_t* w, const LRow& x, int64_t nb) {
  switch (type) {
    case Q4_0: return legacy_dot<18, 8, false>(w, x, nb, [](const uint8_t* b, int* L) { nibbles(b + 2, L); });
    case Q4_1: return legacy_dot<20, 0, true>(w, x, nb, [](const uint8_t* b, int* L) { nibbles(b + 4, L); });
    case Q5_0:
      return legacy_dot<22, 16, false>(w, x, nb, [](const uint8_t* b, int* L) {
        nibbles(b + 6, L);
        fifth_bit(rd32(b + 2), L);
      });
    case Q5_1:
      return legacy_dot<24, 0, true>(w, x, nb, [](const uint8_t* b, int* L) {
        nibbles(b + 8, L);
        fifth_bit(rd32(b + 4), L);
      });
    case Q8_0:
      return legacy_dot<34, 0, false>(w, x, nb, [](const uint8_t* b, int* L) {
        for (int j = 0; j < 32; j++) L[j] = (int8_t)b[2 + j];
      });
    default: return 0.f;
  }
}

/** Q4_K / Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins. */
template <bool FIVE>
float dot_q45k(const uint8_t* w, const KRow& x, int64_t nb) {
  constexpr int BYTES = FIVE ? 176 : 144, QS = FIVE ? 48 : 16;
  float sumf = 0.f;
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* blk = w + BYTES * b;
    const int8_t* xq = x.q + 256 * b;
    uint8_t sc[8], mn[8];
    unpack_k4_scales(blk + 4, sc, mn);
    int sumi = 0, summ = 0;
    for (int j = 0; j < 8; j++) {
      const uint8_t* qs = blk + QS + 32 * (j / 2);
      const int shift = 4 * (j & 1);
      int s = 0;
      for (int l = 0; l < 32; l++) {
        int q = (qs[l] >> shift) & 15;
        if (FIVE) q |= ((blk[16 + l] >> j) & 1) << 4;
        s += q * xq[32 * j + l];
      }
      sumi += sc[j] * s;
      summ += mn[j] * (x.bs[16 * b + 2 * j] + x.bs[16 * b + 2 * j + 1]);
    }
    sumf += h2f(rd16(blk)) * x.d[b] * (float)sumi;
    sumf -= h2f(rd16(blk + 2)) * x.d[b] * (float)summ;
  }
  return sumf;
}

float dot_q6k(const uint8_t* w, const KRow& x, int64_t nb) {
  float sumf = 0.f;
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* blk = w + 210 * b;
    const int8_t* xq = x.q + 256 * b;
    int sumi = 0;
    for (int j = 0; j < 16; j++) {
      int s = 0;
      for (int i = 0; i < 16; i++) {
        const int e = 16 * j + i, n = e / 128, m = (e / 32) & 3, l = e % 32;
        const int lo = (blk[64 * n + 32 * (m & 1) + l] >> (4 * (m >> 1))) & 15;
        const int hi = (blk[128 + 32 * n + l] >> (2 * m)) & 3;
        s += ((lo | hi << 4) - 32) * xq[e];
      }
      sumi += (int8_t)blk[192 + j] * s;
    }
    sumf += h2f(rd16(blk + 208)) * x.d[b] * (float)sumi;
  }
  return sumf;
}

float dot_q2k(const uint8_t* w, const KRow& x, int64_t nb) {
  float sumf = 0.f;
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* blk = w + 84 * b;
    const int8_t* xq = x.q + 256 * b;
    int sumi = 0, summ = 0;
    for (int j = 0; j < 16; j++) {
      int s = 0;
      for (int i = 0; i < 16; i++) {
        const int e = 16 * j + i, n = e / 128, k = (e / 32) & 3, l = e % 32;
        s += ((blk[16 + 32 * n + l] >> (2 * k)) & 3) * xq[e];
      }
      sumi += (blk[j] & 15) * s;
      summ += (blk[j] >> 4) * x.bs[16 * b + j];
    }
    sumf += h2f(rd16(blk + 80)) * x.d[b] * (float)sumi;
    sumf -= h2f(rd16(blk + 82)) * x.d[b] * (float)summ;
  }
  return sumf;
}

float dot_q3k(const uint8_t* w, const KRow& x, int64_t nb) {
  float sumf = 0.f;
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t* blk = w + 110 * b;
    const int8_t* xq = x.q + 256 * b;
    int8_t sc[16];
    unpack_k3_scales(blk + 96, sc);
    int sumi = 0;
    for (int j = 0; j < 16; j++) {
      int s = 0;
      for (int i = 0; i < 16; i++) {
        const int e = 16 * j + i, n = e / 128, k = (e / 32) & 3, l = e % 32;
        const int low = (blk[32 + 32 * n + l] >> (2 * k)) & 3;
        const int high = (blk[l] >> (e / 32)) & 1;
        s += (low - (high ? 0 : 4)) * xq[e];
      }
      sumi += sc[j] * s;
    }
    sumf += h2f(rd16(blk + 108)) * x.d[b] * (float)sumi;
  }
  return sumf;
}

}  // namespace

float dot_generic(int type, const uint8_t* w, const Act& a, int64_t m) {
  if (!a.ksuper) {
    const LRow x{a.q + m * a.K, a.d + m * a.nb, a.ds + m * a.nb};
    return dot_legacy(type, w, x, a.nb);
  }
  const KRow x{a.q + m * a.K, a.d + m * a.nb, a.bs + m * a.nb * 16};
  switch (type) {
    case Q2_K: return dot_q2k(w, x, a.nb);
    case Q3_K: return dot_q3k(w, x, a.nb);
    case Q4_K: return dot_q45k<false>(w, x, a.nb);
    case Q5_K: return dot_q45k<true>(w, x, a.nb);
    case Q6_K: return dot_q6k(w, x, a.nb);
    default: return 0.f;
  }
}

}  // namespace quant
}  // namespace weft
