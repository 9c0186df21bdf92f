// Differentiable pieces of a sparse mixture-of-experts layer over flat arrays: top-k routing (with an optional
// capacity), gathering token rows per expert, grouped expert matmuls (one call per expert over its rows) and the
// weighted combine back to tokens. Shapes: M tokens, C channels, E experts, K top-k, P routed rows (<= M*K).
import { Tensor } from "../core/tensor.js";
import { record } from "../core/autograd.js";
import { f32Tensor, floatData } from "../core/ops/util.js";
import { fmt } from "../core/shape.js";
import { ArgumentError, ShapeError } from "../util/errors.js";

/** Where each token's top-k choices go. Rows of the routed buffer are sorted by expert, then by token. */
export interface Routing {
  M: number;
  E: number;
  K: number;
  /** [M*K] chosen expert of (token m, choice j), in descending probability order. */
  experts: Int32Array;
  /** [M*K] row of (m, j) in the routed buffer, or -1 when dropped by the capacity limit. */
  slot: Int32Array;
  /** [P] source token of each routed row. */
  token: Int32Array;
  /** [E+1] routed rows of expert e are offsets[e] .. offsets[e+1]. */
  offsets: Int32Array;
  /** [E] assignments per expert before the capacity limit. */
  counts: Int32Array;
  dropped: number;
}

/** The K best of each row of probs [M, E] (ties to the lower index); capacity > 0 keeps at most that many rows per
 *  expert, first come first served in token order (Switch Transformer), the rest are dropped. */
export function routeTopK(probs: Float32Array, M: number, E: number, K: number, capacity = 0): Routing {
  if (!Number.isInteger(K) || K < 1 || K > E) throw new ArgumentError("moe", `top-k must be in [1, ${E}] but is ${K}`);
  if (probs.length !== M * E) throw new ShapeError("moe", `router probabilities have ${probs.length} values, not ${M} x ${E}`);
  const experts = new Int32Array(M * K), counts = new Int32Array(E);
  for (let m = 0; m < M; m++) {
    const row = probs.subarray(m * E, (m + 1) * E);
    for (let j = 0; j < K; j++) {
      let best = -1;
      for (let e = 0; e < E; e++) {
        if (best >= 0 && !(row[e]! > row[best]!)) continue;
        let taken = false;
        for (let i = 0; i < j; i++) taken ||= experts[m * K + i] === e;
        if (!taken) best = e;
      }
      experts[m * K + j] = best;
      counts[best]!++;
    }
  }
  const kept = new Int32Array(E);
  for (let e = 0; e < E; e++) kept[e] = capacity > 0 ? Math.min(counts[e]!, capacity) : counts[e]!;
  const offsets = new Int32Array(E + 1);
  for (let e = 0; e < E; e++) offsets[e + 1] = offsets[e]! + kept[e]!;
  const P = offsets[E]!, token = new Int32Array(P), slot = new Int32Array(M * K).fill(-1), fill = offsets.slice(0, E);
  for (let m = 0; m < M; m++) {
    for (let j = 0; j < K; j++) {
      const e = experts[m * K + j]!;
      if (fill[e]! >= offsets[e + 1]!) continue;
      const r = fill[e]!++;
      token[r] = m;
      slot[m * K + j] = r;
    }
  }
  return { M, E, K, experts, slot, token, offsets, counts, dropped: M * K - P };
}

/** Smallest normal f16: llama.cpp clamps the sum of the chosen weights to it before renormalising. */
const MIN_SUM = 6.103515625e-5;

/** probs [M, E] -> gate weights [M, K]: the chosen columns of each row, divided by their (clamped) sum when `norm`
 *  (computed in f32 as ggml does); the gradient scatters back to the chosen columns. */
export function chosenWeights(probs: Tensor, r: Routing, norm: boolean): Tensor {
  if (probs.rank !== 2 || probs.shape[0] !== r.M || probs.shape[1] !== r.E) {
    throw new ShapeError("moe", `router output ${fmt(probs.shape)} is not [${r.M}, ${r.E}]`);
  }
  const pd = floatData("moe", probs), { M, E, K, experts } = r, out = new Float32Array(M * K), sums = new Float32Array(M).fill(1);
  for (let m = 0; m < M; m++) {
    let s = 0;
    for (let j = 0; j < K; j++) s = Math.fround(s + (out[m * K + j] = pd[m * E + experts[m * K + j]!]!));
    if (!norm) continue;
    sums[m] = Math.max(s, MIN_SUM);
    for (let j = 0; j < K; j++) out[m * K + j] = out[m * K + j]! / sums[m]!;
  }
  return record(f32Tensor(out, [M, K]), "moeChosenWeights", [probs], (g) => {
    const gd = g.f32(), gp = new Float32Array(M * E);
    for (let m = 0; m < M; m++) {
      // w_j = p_j / s: dw_j/dp_i = (delta_ij - w_j) / s while the sum is above the clamp
      let dot = 0;
      if (norm && sums[m]! > MIN_SUM) for (let j = 0; j < K; j++) dot += gd[m * K + j]! * out[m * K + j]!;
      for (let j = 0; j < K; j++) gp[m * E + experts[m * K + j]!] = (gd[m * K + j]! - dot) / sums[m]!;
    }
    return [f32Tensor(gp, [M, E])];
  });
}

/** x [M, C] -> [P, C]: the source token row of each routed row (gradient adds back per token). */
export function gatherRouted(x: Tensor, r: Routing): Tensor {
  const C = x.shape[1]!, xd = floatData("moe", x), P = r.token.length, out = new Float32Array(P * C);
  for (let p = 0; p < P; p++) out.set(xd.subarray(r.token[p]! * C, (r.token[p]! + 1) * C), p * C);
  return record(f32Tensor(out, [P, C]), "moeGather", [x], (g) => {
    const gd = g.f32(), gx = new Float32Array(r.M * C);
    for (let p = 0; p < P; p++) {
      const o = r.token[p]! * C;
      for (let c = 0; c < C; c++) gx[o + c]! += gd[p * C + c]!;
    }
    return [f32Tensor(gx, [r.M, C])];
  });
}

/** y [P, C] routed outputs, w [M, K] gate weights -> [M, C], out[m] = sum_j w[m, j] * y[slot(m, j)] in choice order
 *  (llama.cpp's order); dropped choices add nothing. */
export function combineRouted(y: Tensor, w: Tensor, r: Routing): Tensor {
  const { M, K, slot } = r, C = y.shape[1]!, yd = floatData("moe", y), wd = floatData("moe", w);
  if (w.size !== M * K) throw new ShapeError("moe", `gate weights ${fmt(w.shape)} are not [${M}, ${K}]`);
  const out = new Float32Array(M * C);
  for (let m = 0; m < M; m++) {
    const o = out.subarray(m * C, (m + 1) * C);
    for (let j = 0; j < K; j++) {
      const p = slot[m * K + j]!;
      if (p < 0) continue;
      const s = wd[m * K + j]!, src = yd.subarray(p * C, (p + 1) * C);
      for (let c = 0; c < C; c++) o[c] = o[c]! + src[c]! * s;
    }
  }
  return record(f32Tensor(out, [M, C]), "moeCombine", [y, w], (g) => {
    const gd = g.f32(), gy = new Float32Array(yd.length), gw = new Float32Array(M * K);
    for (let m = 0; m < M; m++) {
      for (let j = 0; j < K; j++) {
        const p = slot[m * K + j]!;
        if (p < 0) continue;
        const s = wd[m * K + j]!;
        let dot = 0;
        for (let c = 0; c < C; c++) {
          gy[p * C + c] = gd[m * C + c]! * s;
          dot += gd[m * C + c]! * yd[p * C + c]!;
        }
        gw[m * K + j] = dot;
      }
    }
    return [f32Tensor(gy, y.shape), f32Tensor(gw, w.shape)];
  });
}
