// Apply LoRA to a model by target names (q, k, v, o, gate, up, down; HF names like q_proj also accepted).
import type { Module } from "../nn/module.js";
import { LoRALinear, type LoraOptions } from "../nn/lora.js";
import { projectionSlots, swapProjections } from "../nn/swap.js";
import { Rng } from "../core/rng.js";
import { ArgumentError } from "../util/errors.js";

/** Target name -> the module path suffix in weft's architectures. */
const TARGETS: Record<string, string> = {
  q: "attn.proj.q", k: "attn.proj.k", v: "attn.proj.v", o: "attn.out", qkv: "attn.proj.qkv",
  gate: "mlp.gate", up: "up", down: "down",
  q_proj: "attn.proj.q", k_proj: "attn.proj.k", v_proj: "attn.proj.v", o_proj: "attn.out",
  gate_proj: "mlp.gate", up_proj: "up", down_proj: "down", c_attn: "attn.proj.qkv",
};

export const DEFAULT_LORA_TARGETS = ["q", "v"];

/** Freeze the model and wrap each targeted projection in a LoRALinear; returns the adapters in model order. */
export function applyLora(model: Module, targets: readonly string[], o: LoraOptions): LoRALinear[] {
  const suffixes = targets.map((t) => {
    const s = TARGETS[t];
    if (!s) throw new ArgumentError("lora", `unknown target '${t}' (known: ${Object.keys(TARGETS).join(", ")})`);
    return s;
  });
  model.freeze();
  const rng = o.rng ?? new Rng(0);
  const made = swapProjections(model, suffixes, (l) => LoRALinear.fromBase(l, { ...o, rng }));
  if (made.length === 0) throw new ArgumentError("lora", `no projection matched targets ${targets.join(", ")}`);
  return made;
}

/** Replace every LoRALinear by its fused Linear (merge the adapter into the weights). */
export function fuseLora(model: Module): number {
  let n = 0;
  for (const s of projectionSlots(model)) {
    if (s.layer instanceof LoRALinear) {
      s.parent[s.key] = s.layer.fuse();
      n++;
    }
  }
  return n;
}

/** Remove every LoRALinear, restoring its base layer (unfuse of an applied, unmerged adapter). */
export function removeLora(model: Module): number {
  let n = 0;
  for (const s of projectionSlots(model)) {
    if (s.layer instanceof LoRALinear) {
      s.parent[s.key] = s.layer.base;
      n++;
    }
  }
  return n;
}

