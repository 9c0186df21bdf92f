// Random-weight tensors for any config, named as in GGUF (tests, benchmarks, from-scratch training init).
import { Rng } from "../core/rng.js";
import type { ModelConfig } from "./config.js";
import { tensorManifest } from "./manifest.js";

/** A tensor in row-major order: shape [N, K] for matrices (GGUF stores the reverse). */
export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

function normal(rng: Rng, n: number, std: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
  return v;
}

/** Weights with std 1/sqrt(fan_in) (so activations stay O(1) through random layers), norms near 1, biases small;
 *  the output head gets a larger scale so greedy paths have clear top-1 margins across implementations. */
export function randomWeights(cfg: ModelConfig, seed = 1): Map<string, NamedArray> {
  const rng = new Rng(seed);
  const out = new Map<string, NamedArray>();
  for (const t of tensorManifest(cfg)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (t.role === "norm") data = normal(rng, n, 0.1).map((x) => x + 1);
    else if (t.role === "bias") data = normal(rng, n, 0.1);
    else if (t.name === "token_embd.weight") data = normal(rng, n, 1);
    else if (t.name === "position_embd.weight") data = normal(rng, n, 0.5);
    else if (t.name === "output.weight") data = normal(rng, n, 3 / Math.sqrt(t.shape[1]!));
    else data = normal(rng, n, 1 / Math.sqrt(t.shape[t.shape.length - 1]!));
    out.set(t.name, { shape: t.shape, data });
  }
  return out;
}
