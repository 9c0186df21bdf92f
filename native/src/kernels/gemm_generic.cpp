// Scalar GEMM over strided views and the f16 widening helper: the slow twin of gemm.cpp.
#include <string.h>

#include "gemm.h"

namespace weft {

float f16_bits_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        mant <<= 1;
        e++;
      } while (!(mant & 0x400));
      bits = sign | (uint32_t)(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

float f16_to_f32(uint16_t h) { return f16_bits_to_f32(h); }

uint16_t f32_to_f16_bits(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  const uint32_t exp = (x >> 23) & 0xff;
  uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
  const int e = (int)exp - 127 + 15;
  if (e >= 31) return (uint16_t)(sign | 0x7c00);
  if (e <= 0) {  // subnormal half (or zero)
    if (e < -10) return (uint16_t)sign;
    mant |= 0x800000;
    const int shift = 14 - e;
    const uint32_t half = 1u << (shift - 1), rem = mant & ((1u << shift) - 1);
    uint32_t r = mant >> shift;
    if (rem > half || (rem == half && (r & 1))) r++;
    return (uint16_t)(sign | r);
  }
  const uint32_t rem = mant & 0x1fff;
  uint32_t r = ((uint32_t)e << 10) | (mant >> 13);
  if (rem > 0x1000 || (rem == 0x1000 && (r & 1))) r++;  // may carry into the exponent: still correct
  return (uint16_t)(sign | r);
}

uint16_t f32_to_bf16_bits(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return (uint16_t)(((x >> 16) | 0x40) & 0xffff);
  return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

static inline float load_b(const GemmArgs& g, int64_t idx) {
  switch (g.bt) {
    case BType::F16: return f16_bits_to_f32(static_cast<const uint16_t*>(g.b)[idx]);
    case BType::BF16: return bf16_bits_to_f32(static_cast<const uint16_t*>(g.b)[idx]);
    default: return static_cast<const float*>(g.b)[idx];
  }
}

void gemm_generic(const GemmArgs& g) {
  for (int64_t i = 0; i < g.M; i++) {
    float* crow = g.c + i * g.ldc;
    for (int64_t j = 0; j < g.N; j++) {
      float s = 0.0f;
      for (int64_t k = 0; k < g.K; k++) s += g.a[i * g.a_rs + k * g.a_cs] * load_b(g, k * g.b_rs + j * g.b_cs);
      crow[j] = g.accumulate ? crow[j] + s : s;
    }
  }
}

}  // namespace weft
