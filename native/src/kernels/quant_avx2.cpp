// AVX2 tiles for the quantised linear on x86 machines without AVX-512 VNNI/VBMI (none yet: the driver then
// runs the scalar dot products, threaded).
#include "quant.h"

namespace weft {
namespace quant {

TileFn simd_tile_avx2(int) { return nullptr; }

}  // namespace quant
}  // namespace weft
