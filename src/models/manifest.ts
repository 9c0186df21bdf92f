// Every tensor an architecture needs for a config: GGUF name, row-major shape ([N, K] for matrices, [E, N, K] for
// expert banks) and role.
import type { ModelConfig } from "./config.js";
import { isMoe, moeManifest } from "./moe.js";

export interface TensorSpec {
  name: string;
  shape: number[];
  role: "matrix" | "embedding" | "norm" | "bias";
}

export function tensorManifest(cfg: ModelConfig): TensorSpec[] {
  const out: TensorSpec[] = [];
  const add = (name: string, shape: number[], role: TensorSpec["role"]) => out.push({ name, shape, role });
  const qDim = cfg.nHead * cfg.headDim, kvDim = cfg.nHeadKv * cfg.headDim, gpt2 = cfg.arch === "gpt2";
  add("token_embd.weight", [cfg.vocabSize, cfg.dim], "embedding");
  if (gpt2) add("position_embd.weight", [cfg.contextLength, cfg.dim], "embedding");
  for (let i = 0; i < cfg.nLayer; i++) {
    const p = `blk.${i}.`;
    add(p + "attn_norm.weight", [cfg.dim], "norm");
    if (gpt2) {
      add(p + "attn_norm.bias", [cfg.dim], "bias");
      add(p + "attn_qkv.weight", [3 * cfg.dim, cfg.dim], "matrix");
      add(p + "attn_qkv.bias", [3 * cfg.dim], "bias");
      add(p + "attn_output.weight", [cfg.dim, cfg.dim], "matrix");
      add(p + "attn_output.bias", [cfg.dim], "bias");
      add(p + "ffn_norm.weight", [cfg.dim], "norm");
      add(p + "ffn_norm.bias", [cfg.dim], "bias");
      add(p + "ffn_up.weight", [cfg.ffnDim, cfg.dim], "matrix");
      add(p + "ffn_up.bias", [cfg.ffnDim], "bias");
      add(p + "ffn_down.weight", [cfg.dim, cfg.ffnDim], "matrix");
      add(p + "ffn_down.bias", [cfg.dim], "bias");
      continue;
    }
    add(p + "attn_q.weight", [qDim, cfg.dim], "matrix");
    add(p + "attn_k.weight", [kvDim, cfg.dim], "matrix");
    add(p + "attn_v.weight", [kvDim, cfg.dim], "matrix");
    if (cfg.qkvBias) {
      add(p + "attn_q.bias", [qDim], "bias");
      add(p + "attn_k.bias", [kvDim], "bias");
      add(p + "attn_v.bias", [kvDim], "bias");
    }
    add(p + "attn_output.weight", [cfg.dim, qDim], "matrix");
    add(p + "ffn_norm.weight", [cfg.dim], "norm");
    if (isMoe(cfg)) {
      out.push(...moeManifest(cfg, p));
      continue;
    }
    add(p + "ffn_gate.weight", [cfg.ffnDim, cfg.dim], "matrix");
    add(p + "ffn_up.weight", [cfg.ffnDim, cfg.dim], "matrix");
    add(p + "ffn_down.weight", [cfg.dim, cfg.ffnDim], "matrix");
  }
  add("output_norm.weight", [cfg.dim], "norm");
  if (gpt2) add("output_norm.bias", [cfg.dim], "bias");
  if (!cfg.tiedEmbeddings) add("output.weight", [cfg.vocabSize, cfg.dim], "matrix");
  return out;
}
