// GPTQ (Frantar et al. 2022) onto GGML block types: columns are quantised left to right, and each column's
// rounding error, scaled by the upper Cholesky factor U of H⁻¹, is pushed onto the columns not yet quantised
// (the optimal least-squares update given the calibration inputs). When a block of columns starts, the codec's own
// scale search (importance-weighted) fixes that block's scales from the already-updated weights; GPTQ then picks
// every code on that block's grid. The bytes are exactly the codec's layout, so any GGML reader decodes them.
import type { GgmlTypeName } from "../dtype/ggml.js";
import { codecFor } from "../dtype/quants/index.js";
import { ShapeError, UnsupportedError } from "../util/errors.js";
import { blockGrid, hasGrid, nearestCode, writeCode, type BlockGrid } from "./grid.js";

export interface GptqResult {
  bytes: Uint8Array;
  /** Σ over rows of the proxy loss Σ_j ((w_j − q_j) / U_jj)², the error GPTQ minimises (before the update). */
  loss: number;
}

/** Quantise W [N, K] (row-major f32) to `type` with GPTQ. U: upper Cholesky factor of the damped H⁻¹ [K, K];
 *  importance: per-column weights for the codec's scale search (usually diag H). */
export function gptqQuantize(type: GgmlTypeName, w: Float32Array, N: number, K: number, U: Float64Array,
  importance?: Float32Array): GptqResult {
  if (!hasGrid(type)) throw new UnsupportedError("gptq", `GPTQ does not handle tensor type ${type}`);
  const codec = codecFor(type), bs = codec.blockSize, ts = codec.typeSize;
  if (w.length !== N * K) throw new ShapeError("gptq", `weight has ${w.length} values but [${N}, ${K}] needs ${N * K}`);
  if (K % bs !== 0) throw new ShapeError("gptq", `row of ${K} is not a multiple of the ${type} block size ${bs}`);
  if (U.length !== K * K) throw new ShapeError("gptq", `factor has ${U.length} values but [${K}, ${K}] needs ${K * K}`);
  const nb = K / bs, rowBytes = nb * ts, out = new Uint8Array(N * rowBytes);
  const work = Float64Array.from(w), slice = new Float32Array(bs);
  const grids: BlockGrid[] = Array.from({ length: N }, () => ({ cmax: 0, v0: new Float32Array(bs), a: new Float32Array(bs) }));
  let loss = 0;
  for (let b = 0; b < nb; b++) {
    const c0 = b * bs, imp = importance?.subarray(c0, c0 + bs);
    for (let r = 0; r < N; r++) {
      for (let e = 0; e < bs; e++) slice[e] = work[r * K + c0 + e]!;
      const o = r * rowBytes + b * ts;
      codec.quantizeRow(slice, out.subarray(o, o + ts), imp);
      blockGrid(type, out, o, grids[r]);
    }
    for (let e = 0; e < bs; e++) {
      const j = c0 + e, uj = j * K, d = U[uj + j]!;
      for (let r = 0; r < N; r++) {
        const row = r * K, x = work[row + j]!, g = grids[r]!;
        const c = nearestCode(g, e, x);
        writeCode(type, out, r * rowBytes + b * ts, e, c);
        const err = (x - (g.v0[e]! + g.a[e]! * c)) / d;
        loss += err * err;
        if (err === 0) continue;
        for (let t = j + 1; t < K; t++) work[row + t] -= err * U[uj + t]!;
      }
    }
  }
  return { bytes: out, loss };
}
