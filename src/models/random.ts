// Random-weight tensors for any config, named as in GGUF (tests, benchmarks, from-scratch training init).
import { Rng } from "../core/rng.js";
import type { ModelConfig } from "./config.js";

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

/** Weights with std 1/sqrt(fan_in) (so activations stay O(1) through random layers), norms near 1. */
export function randomWeights(cfg: ModelConfig, seed = 1): Map<string, NamedArray> {
  const rng = new Rng(seed);
  const out = new Map<string, NamedArray>();
  const mat = (name: string, N: number, K: number, std = 1 / Math.sqrt(K)) => out.set(name, { shape: [N, K], data: normal(rng, N * K, std) });
  const vec = (name: string, n: number, center: number, spread: number) => {
    const v = normal(rng, n, spread).map((x) => x + center);
    out.set(name, { shape: [n], data: v });
  };
  const qDim = cfg.nHead * cfg.headDim, kvDim = cfg.nHeadKv * cfg.headDim;
  mat("token_embd.weight", cfg.vocabSize, cfg.dim, 1);
  if (cfg.arch === "gpt2") mat("position_embd.weight", cfg.contextLength, cfg.dim, 0.5);
  for (let i = 0; i < cfg.nLayer; i++) {
    const p = `blk.${i}.`;
    vec(p + "attn_norm.weight", cfg.dim, 1, 0.1);
    vec(p + "ffn_norm.weight", cfg.dim, 1, 0.1);
    mat(p + "attn_output.weight", cfg.dim, qDim);
    mat(p + "ffn_down.weight", cfg.dim, cfg.ffnDim);
    mat(p + "ffn_up.weight", cfg.ffnDim, cfg.dim);
    if (cfg.arch === "gpt2") {
      mat(p + "attn_qkv.weight", 3 * cfg.dim, cfg.dim);
      for (const n of ["attn_norm", "ffn_norm"]) vec(`${p}${n}.bias`, cfg.dim, 0, 0.1);
      vec(p + "attn_qkv.bias", 3 * cfg.dim, 0, 0.1);
      vec(p + "attn_output.bias", cfg.dim, 0, 0.1);
      vec(p + "ffn_up.bias", cfg.ffnDim, 0, 0.1);
      vec(p + "ffn_down.bias", cfg.dim, 0, 0.1);
      continue;
    }
    mat(p + "attn_q.weight", qDim, cfg.dim);
    mat(p + "attn_k.weight", kvDim, cfg.dim);
    mat(p + "attn_v.weight", kvDim, cfg.dim);
    mat(p + "ffn_gate.weight", cfg.ffnDim, cfg.dim);
    if (cfg.qkvBias) {
      vec(p + "attn_q.bias", qDim, 0, 0.1);
      vec(p + "attn_k.bias", kvDim, 0, 0.1);
      vec(p + "attn_v.bias", kvDim, 0, 0.1);
    }
  }
  vec("output_norm.weight", cfg.dim, 1, 0.1);
  if (cfg.arch === "gpt2") vec("output_norm.bias", cfg.dim, 0, 0.1);
  // a larger output scale gives clear top-1 margins, so greedy paths are stable across implementations
  if (!cfg.tiedEmbeddings) mat("output.weight", cfg.vocabSize, cfg.dim, 3 / Math.sqrt(cfg.dim));
  return out;
}
