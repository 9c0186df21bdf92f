// Weight repacking for the quantised prefill panels (quant_panel.cpp): the group geometry of a row and the
// transposition of GGML blocks into one-block-per-32-bit-lane panels.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "quant.h"
#include "quant_panel.h"

namespace weft {
namespace quant {

#if WEFT_Q_AVX512

/** Group record of one row (weights): kv vectors of levels, then 16 scales, 16 corrections, 16 mins. */
struct Geom {
  int L;   // block length, 16 or 32
  int kv;  // vectors per group = L / 4
  int64_t ng;
  size_t wgroup, xgroup;  // bytes per group record
  bool lastHalf;          // the last group holds at most 8 blocks (lanes 8..15 are zero)
};

/** The group geometry of a row of `a`'s weight type and width. */
Geom geom(const Act& a);

/** One weight row of GGML blocks -> its panel record (levels, scales, corrections, mins per group of 16 blocks). */
void repack_row(const Act& a, const Geom& g, const uint8_t* w, uint8_t* dst);

#endif

}  // namespace quant
}  // namespace weft
