// Transformer configuration shared by the llama family (llama, mistral, qwen2) and gpt2.
import type { Tensor } from "../core/tensor.js";
import type { KVCache, KvType } from "../nn/kv-cache.js";

export type Arch = "llama" | "qwen2" | "qwen2moe" | "gpt2";

export interface RopeScaling {
  type: "none" | "linear" | "yarn" | "llama3";
  factor: number;
  /** Training context of the unscaled model (yarn, llama3). */
  originalContext: number;
  /** YaRN: cos/sin multiplier (0 = derive from factor), ramp bounds. */
  attnFactor: number;
  betaFast: number;
  betaSlow: number;
  /** llama3: frequency band edges. */
  lowFreqFactor: number;
  highFreqFactor: number;
}

export interface ModelConfig {
  arch: Arch;
  vocabSize: number;
  /** C: embedding width. */
  dim: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  /** D: head dimension (usually dim / nHead). */
  headDim: number;
  ffnDim: number;
  /** Training context length from the file (the default --ctx cap). */
  contextLength: number;
  normEps: number;
  ropeBase: number;
  /** Rotated dims per head. */
  nRot: number;
  /** GPT-NeoX rotary pairing (qwen2). */
  ropeNeox: boolean;
  ropeScaling: RopeScaling;
  /** Per-frequency divisors from a `rope_freqs` tensor (llama 3.1 style), nRot/2 entries. */
  ropeFreqFactors: Float32Array | null;
  /** 0 = full attention; else each query sees the last `slidingWindow` positions (mistral). */
  slidingWindow: number;
  tiedEmbeddings: boolean;
  /** q/k/v projections have biases (qwen2). */
  qkvBias: boolean;
  /** GELU through ggml's f16 table (set for GGUF files so gpt2 matches llama.cpp exactly). */
  ggmlGelu?: boolean;
  /** E: routed experts per FFN (sparse mixture-of-experts); 0 or absent = dense FFN. */
  nExpert?: number;
  /** K: experts each token uses. */
  nExpertUsed?: number;
  /** Hidden width of each routed expert (default ffnDim). */
  expertFfnDim?: number;
  /** Hidden width of the always-on shared expert with a sigmoid gate (qwen2moe); 0 or absent = none. */
  sharedExpertFfnDim?: number;
  /** Router gating: softmax over experts (Mixtral, Qwen; default) or an independent sigmoid per expert. */
  routerGating?: "softmax" | "sigmoid";
  /** Renormalise the K chosen gate weights to sum to 1 (Mixtral: true; qwen2moe: false). */
  normTopK?: boolean;
}

export const NO_SCALING: RopeScaling = {
  type: "none", factor: 1, originalContext: 0, attnFactor: 1, betaFast: 32, betaSlow: 1, lowFreqFactor: 1, highFreqFactor: 4,
};

/** A config for a fresh llama-architecture model (from scratch training, tests, benchmarks). */
export function llamaConfig(p: Partial<ModelConfig> & Pick<ModelConfig, "vocabSize" | "dim" | "nLayer" | "nHead">): ModelConfig {
  const headDim = p.headDim ?? p.dim / p.nHead;
  return {
    arch: "llama", nHeadKv: p.nHead, headDim, ffnDim: 4 * p.dim, contextLength: 2048, normEps: 1e-5, ropeBase: 10000,
    nRot: headDim, ropeNeox: false, ropeScaling: NO_SCALING, ropeFreqFactors: null, slidingWindow: 0,
    tiedEmbeddings: false, qkvBias: false, ...p,
  };
}


/** What generate/eval/serve need from any architecture module. */
export interface LanguageModel {
  readonly config: ModelConfig;
  /** tokens [B, T] -> logits [B, V] for the last position, or [B, T, V] with allLogits. */
  forward(tokens: Tensor | Int32Array, cache?: KVCache | null, opts?: { allLogits?: boolean; prefix?: Tensor | null }): Tensor;
  makeCache(ctx: number, type?: KvType): KVCache;
  /** One step for several sequences on their own caches (continuous batching): last-position logits [S, V]. */
  forwardMany(items: readonly { tokens: Int32Array; cache: KVCache }[]): Tensor;
}
