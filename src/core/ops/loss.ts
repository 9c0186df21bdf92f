// Cross-entropy over logits with ignore index and label smoothing (mean over counted targets).
import { kernels } from "../../backend/registry.js";
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { fmt } from "../shape.js";
import { f32Tensor, floatData } from "./util.js";
import { DTypeError, ShapeError, ValueError } from "../../util/errors.js";

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** Mix the one-hot target with the uniform distribution: (1 - e) * onehot + e / V. */
  labelSmoothing?: number;
}

/** logits [..., V], targets i32 [...] -> scalar mean loss over non-ignored targets (0 when none count). */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const ignore = opts.ignoreIndex ?? -100, eps = opts.labelSmoothing ?? 0;
  if (targets.dtype !== "i32") throw new DTypeError("crossEntropy", `targets must be i32 but are ${targets.dtype}`);
  const V = logits.shape[logits.rank - 1]!;
  if (fmt(logits.shape.slice(0, -1)) !== fmt(targets.shape)) {
    throw new ShapeError("crossEntropy", `logits ${fmt(logits.shape)} and targets ${fmt(targets.shape)} do not match as [..., V] and [...]`);
  }
  if (!(eps >= 0 && eps <= 1)) throw new ValueError("crossEntropy", `labelSmoothing must be in [0, 1] but is ${eps}`);
  const tg = targets.ids(), N = tg.length;
  const lp = new Float32Array(N * V);
  kernels().softmax(floatData("crossEntropy", logits), lp, N, V, true);
  let total = 0, count = 0;
  for (let n = 0; n < N; n++) {
    const t = tg[n]!;
    if (t === ignore) continue;
    if (t < 0 || t >= V) throw new ValueError("crossEntropy", `target ${t} at position ${n} is outside [0, ${V})`);
    let row = (1 - eps) * lp[n * V + t]!;
    if (eps > 0) {
      let s = 0;
      for (let v = 0; v < V; v++) s += lp[n * V + v]!;
      row += (eps / V) * s;
    }
    total -= row;
    count++;
  }
  const out = f32Tensor(Float32Array.of(count > 0 ? total / count : 0), []);
  return record(out, "crossEntropy", [logits], (g) => {
    // d loss / d logits = (softmax - smoothed one-hot) * g / count, computed from the kept log-probabilities
    const scale = count > 0 ? g.item() / count : 0;
    const dx = new Float32Array(N * V);
    kernels().unary("exp", lp, dx); // softmax, from the kept log-probabilities
    kernels().affine(dx, dx, scale, -(eps / V) * scale);
    for (let n = 0; n < N; n++) {
      const t = tg[n]!;
      if (t === ignore) dx.fill(0, n * V, (n + 1) * V);
      else dx[n * V + t]! -= (1 - eps) * scale;
    }
    return [f32Tensor(dx, logits.shape)];
  });
}
