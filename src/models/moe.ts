// Sparse MoE feed-forward blocks of the llama family (Mixtral layout in GGUF `llama`, qwen2moe with a shared
// expert): config helpers, the GGUF tensor names and shapes of one block, and building the layer from a weight source.
import type { ModelConfig } from "./config.js";
import { llamaConfig } from "./config.js";
import type { WeightSource } from "./weights.js";
import type { TensorSpec } from "./manifest.js";
import { MoeFfn, SharedExpert } from "../nn/moe.js";
import type { ExpertBank } from "../nn/moe-experts.js";
import { UnsupportedError, ValueError } from "../util/errors.js";

/** A weight source that can hand out expert banks: E matrices [N, K] stored as one [E, N, K] tensor. */
export interface ExpertSource {
  experts(name: string, E: number, N: number, K: number): ExpertBank;
}

function hasExperts(w: WeightSource): w is WeightSource & ExpertSource {
  return typeof (w as Partial<ExpertSource>).experts === "function";
}

export function isMoe(c: ModelConfig): boolean {
  return (c.nExpert ?? 0) > 0;
}

/** Hidden width of a routed expert. */
export function expertFfnDim(c: ModelConfig): number {
  return c.expertFfnDim ?? c.ffnDim;
}

/** A fresh Mixtral-style (arch llama) or qwen2moe config; expertFfnDim defaults to ffnDim. */
export function moeConfig(p: Parameters<typeof llamaConfig>[0] & { nExpert: number; nExpertUsed: number }): ModelConfig {
  const c = llamaConfig(p);
  const qwen = c.arch === "qwen2moe";
  return {
    ...c, expertFfnDim: p.expertFfnDim ?? c.ffnDim, sharedExpertFfnDim: p.sharedExpertFfnDim ?? 0, routerGating: p.routerGating ?? "softmax",
    normTopK: p.normTopK ?? !qwen, ropeNeox: p.ropeNeox ?? qwen, qkvBias: p.qkvBias ?? qwen,
  };
}

/** Checks the expert fields of a config. */
export function checkMoeConfig(c: ModelConfig): void {
  const E = c.nExpert ?? 0, K = c.nExpertUsed ?? 0;
  if (!Number.isInteger(E) || E < 1) throw new ValueError("moe", `nExpert must be a positive integer but is ${c.nExpert}`);
  if (!Number.isInteger(K) || K < 1 || K > E) throw new ValueError("moe", `nExpertUsed must be in [1, ${E}] but is ${c.nExpertUsed}`);
  if (!(expertFfnDim(c) >= 1)) throw new ValueError("moe", `expertFfnDim must be >= 1 but is ${expertFfnDim(c)}`);
  if (c.arch === "qwen2moe" && !((c.sharedExpertFfnDim ?? 0) > 0)) {
    throw new ValueError("moe", "qwen2moe needs a shared expert (sharedExpertFfnDim > 0)");
  }
}

/** The FFN tensors of block `p` ("blk.3.") of an MoE config, row-major ([E, N, K] for expert banks). */
export function moeManifest(c: ModelConfig, p: string): TensorSpec[] {
  const E = c.nExpert!, F = expertFfnDim(c), C = c.dim, Fs = c.sharedExpertFfnDim ?? 0;
  const out: TensorSpec[] = [
    { name: p + "ffn_gate_inp.weight", shape: [E, C], role: "matrix" },
    { name: p + "ffn_gate_exps.weight", shape: [E, F, C], role: "matrix" },
    { name: p + "ffn_up_exps.weight", shape: [E, F, C], role: "matrix" },
    { name: p + "ffn_down_exps.weight", shape: [E, C, F], role: "matrix" },
  ];
  if (Fs > 0) {
    out.push(
      { name: p + "ffn_gate_inp_shexp.weight", shape: [1, C], role: "matrix" },
      { name: p + "ffn_gate_shexp.weight", shape: [Fs, C], role: "matrix" },
      { name: p + "ffn_up_shexp.weight", shape: [Fs, C], role: "matrix" },
      { name: p + "ffn_down_shexp.weight", shape: [C, Fs], role: "matrix" },
    );
  }
  return out;
}

function bank(w: WeightSource, name: string, E: number, N: number, K: number): ExpertBank {
  if (!hasExperts(w)) throw new UnsupportedError("moe", `this weight source cannot provide expert tensors ('${name}')`);
  return w.experts(name, E, N, K);
}

/** The MoE FFN of block `p` from a weight source (GGUF names). */
export function buildMoeFfn(w: WeightSource, p: string, c: ModelConfig): MoeFfn {
  checkMoeConfig(c);
  const E = c.nExpert!, F = expertFfnDim(c), C = c.dim, Fs = c.sharedExpertFfnDim ?? 0;
  const shared = Fs > 0
    ? new SharedExpert(w.linear(p + "ffn_gate_shexp", Fs, C, false), w.linear(p + "ffn_up_shexp", Fs, C, false),
      w.linear(p + "ffn_down_shexp", C, Fs, false), w.linear(p + "ffn_gate_inp_shexp", 1, C, false))
    : null;
  return new MoeFfn(w.linear(p + "ffn_gate_inp", E, C, false), bank(w, p + "ffn_gate_exps", E, F, C), bank(w, p + "ffn_up_exps", E, F, C),
    bank(w, p + "ffn_down_exps", E, C, F), shared, { topK: c.nExpertUsed!, gating: c.routerGating ?? "softmax", normTopK: c.normTopK ?? true });
}

/** Parameter counts: total, and active per token (embeddings included once, the output head counted). */
export function parameterCounts(c: ModelConfig): { total: number; active: number } {
  const qDim = c.nHead * c.headDim, kvDim = c.nHeadKv * c.headDim;
  const attn = c.dim * (qDim + 2 * kvDim) + qDim * c.dim + 2 * c.dim;
  const head = c.vocabSize * c.dim * (c.tiedEmbeddings ? 1 : 2) + c.dim;
  if (!isMoe(c)) {
    const n = head + c.nLayer * (attn + 3 * c.dim * c.ffnDim);
    return { total: n, active: n };
  }
  const F = expertFfnDim(c), Fs = c.sharedExpertFfnDim ?? 0, E = c.nExpert!, K = c.nExpertUsed!;
  const fixed = c.dim * E + (Fs > 0 ? 3 * c.dim * Fs + c.dim : 0);
  return {
    total: head + c.nLayer * (attn + fixed + 3 * E * c.dim * F),
    active: head + c.nLayer * (attn + fixed + 3 * K * c.dim * F),
  };
}
