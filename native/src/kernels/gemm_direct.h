// Direct (unpacked) GEMM kernels for small M: decode-shaped matrix-vector and few-row products.
#pragma once

#include "gemm.h"

namespace weft {

/** Largest M sent to the direct kernels (above it packing pays for itself). */
constexpr int64_t kDirectMaxM = 16;

static inline bool use_direct(const GemmArgs& g) { return g.M <= kDirectMaxM; }

/** Threads over columns; B stored row-major (axpy form) or transposed (dot form). */
void gemm_direct(const GemmArgs& g, int nth);

}  // namespace weft
