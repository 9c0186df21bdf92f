// Adapter tensor names: weft module paths <-> GGUF tensor names <-> PEFT keys (with llama q/k row order).
import type { Arch } from "../models/config.js";
import { hfTensor } from "../models/hf-names.js";
import { FormatError } from "../util/errors.js";

const PATH_TO_GGUF: [RegExp, string][] = [
  [/^blocks\.(\d+)\.attn\.proj\.q$/, "attn_q"], [/^blocks\.(\d+)\.attn\.proj\.k$/, "attn_k"], [/^blocks\.(\d+)\.attn\.proj\.v$/, "attn_v"],
  [/^blocks\.(\d+)\.attn\.proj\.qkv$/, "attn_qkv"], [/^blocks\.(\d+)\.attn\.out$/, "attn_output"],
  [/^blocks\.(\d+)\.mlp\.gate$/, "ffn_gate"], [/^blocks\.(\d+)\.(?:mlp\.)?up$/, "ffn_up"], [/^blocks\.(\d+)\.(?:mlp\.)?down$/, "ffn_down"],
];

/** "blocks.3.attn.proj.q" -> "blk.3.attn_q" (the GGUF base name, without ".weight"). */
export function ggufBaseName(path: string): string {
  for (const [re, part] of PATH_TO_GGUF) {
    const m = re.exec(path);
    if (m) return `blk.${m[1]}.${part}`;
  }
  throw new FormatError("adapter", `no GGUF name for module '${path}'`);
}

/** GGUF base name -> PEFT module key, e.g. "base_model.model.model.layers.3.self_attn.q_proj". */
export function peftModuleKey(arch: Arch, ggufBase: string): string {
  return `base_model.model.${hfTensor(arch, `${ggufBase}.weight`).name.replace(/\.weight$/, "")}`;
}

/** PEFT module key -> GGUF base name, by inverting peftModuleKey over the layer's candidates. */
export function ggufFromPeftKey(arch: Arch, key: string): string {
  const m = /layers\.(\d+)\.|\bh\.(\d+)\./.exec(key);
  if (!m) throw new FormatError("adapter", `PEFT key '${key}' names no layer`);
  const layer = m[1] ?? m[2];
  for (const part of ["attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]) {
    try {
      if (peftModuleKey(arch, `blk.${layer}.${part}`) === key) return `blk.${layer}.${part}`;
    } catch {
      // part does not exist in this architecture
    }
  }
  throw new FormatError("adapter", `PEFT key '${key}' matches no ${arch} projection`);
}

/** Target module names in PEFT's adapter_config (q_proj, v_proj, ...) for GGUF parts. */
export function peftTargetName(arch: Arch, ggufBase: string): string {
  return peftModuleKey(arch, ggufBase).split(".").pop()!;
}
