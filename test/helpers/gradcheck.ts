// Finite-difference gradient check: analytic VJPs of an op against central differences.
import assert from "node:assert/strict";
import { Tensor, backward, noGrad, fromArray, Rng, mul, sum } from "../../src/core/index.js";

export interface GradCheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
}

/** Checks d sum(f(inputs) * w) / d input for random w, for every input that requires grad. */
export function gradcheck(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): void {
  const eps = opts.eps ?? 4e-3, rtol = opts.rtol ?? 5e-3, atol = opts.atol ?? 5e-4;
  const rng = new Rng(opts.seed ?? 7);
  const probe = noGrad(() => f(...inputs));
  const w = fromArray(Float32Array.from({ length: probe.size }, () => rng.normal()), probe.shape);
  const objective = (): number => noGrad(() => sum(mul(f(...inputs), w)).item());

  for (const x of inputs) x.grad = null;
  backward(sum(mul(f(...inputs), w)));
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    assert.ok(x.grad, `${name}: input ${k} got no gradient`);
    const analytic = x.grad.f32();
    const data = x.storage as Float32Array;
    for (let i = 0; i < x.size; i++) {
      const at = x.offset + i; // inputs are contiguous leaves
      const orig = data[at]!;
      data[at] = orig + eps;
      const fp = objective();
      data[at] = orig - eps;
      const fm = objective();
      data[at] = orig;
      const numeric = (fp - fm) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]!);
      assert.ok(err <= atol + rtol * Math.abs(numeric),
        `${name}: d/dinput${k}[${i}] analytic ${analytic[i]} vs numeric ${numeric} (err ${err})`);
    }
  });
}
