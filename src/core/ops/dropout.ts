// Inverted dropout with a seeded generator, so runs are reproducible on every backend.
import { Tensor } from "../tensor.js";
import { record } from "../autograd.js";
import { defaultRng, type Rng } from "../rng.js";
import { f32Tensor, floatData } from "./util.js";
import { ArgumentError } from "../../util/errors.js";

/** Zero each element with probability p and scale the rest by 1/(1-p); identity when not training. */
export function dropout(x: Tensor, p: number, opts: { rng?: Rng; training?: boolean } = {}): Tensor {
  if (!(p >= 0 && p < 1)) throw new ArgumentError("dropout", `p must be in [0, 1) but is ${p}`);
  if (p === 0 || opts.training === false) return x;
  const rng = opts.rng ?? defaultRng();
  const xd = floatData("dropout", x);
  const keep = new Float32Array(xd.length);
  const s = 1 / (1 - p);
  for (let i = 0; i < keep.length; i++) keep[i] = rng.uniform() >= p ? s : 0;
  const y = new Float32Array(xd.length);
  for (let i = 0; i < y.length; i++) y[i] = xd[i]! * keep[i]!;
  return record(f32Tensor(y, x.shape), "dropout", [x], (g) => {
    const gd = g.f32(), dx = new Float32Array(gd.length);
    for (let i = 0; i < dx.length; i++) dx[i] = gd[i]! * keep[i]!;
    return [f32Tensor(dx, x.shape)];
  });
}
