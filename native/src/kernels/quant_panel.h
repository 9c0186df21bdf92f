// Prefill path of the quantised linear (quant_panel.cpp): block-transposed weight and activation panels.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "quant.h"

namespace weft {
namespace quant {

/** Activation rows below this use the tiles; at or above it, the panels (their repack is O(N K)). */
constexpr int64_t kPanelMinM = 32;

/** The activation panel of one call (per-thread scratch of the calling thread) and the panels' row sizes. */
struct Panel {
  uint8_t* x = nullptr;
  size_t xrow = 0, wrow = 0;
  int64_t M4 = 0;  // activation rows rounded up to the tile height (the extra rows are zero)
};

/** Whether this build has the panel path for `type`. */
bool panel_supported(int type);
/** Builds the activation panel from the quantised activations. False when out of memory. */
bool panel_prepare(Panel* p, const Act& a);
/** out[m * ldo + n] for n in [n0, n1), all m: repacks 4 weight rows at a time (per-thread scratch). */
bool panel_rows(const Panel& p, const Act& a, const uint8_t* w, int64_t rb, int64_t n0, int64_t n1, float* out,
                int64_t ldo);

}  // namespace quant
}  // namespace weft
