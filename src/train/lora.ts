// Apply LoRA to a model by target names (q, k, v, o, gate, up, down; HF names like q_proj also accepted).
import type { Module } from "../nn/module.js";
import { LoRALinear, type LoraOptions } from "../nn/lora.js";
import { projectionSlots, swapProjections } from "../nn/swap.js";
import { Rng } from "../core/rng.js";
import { ArgumentError } from "../util/errors.js";
import { applyExpertLora, unwrapExpertLora, type ExpertTarget } from "../models/moe-train.js";

/** Target name -> the module path suffix in weft's architectures. */
const TARGETS: Record<string, string> = {
  q: "attn.proj.q", k: "attn.proj.k", v: "attn.proj.v", o: "attn.out", qkv: "attn.proj.qkv",
  gate: "mlp.gate", up: "up", down: "down",
  q_proj: "attn.proj.q", k_proj: "attn.proj.k", v_proj: "attn.proj.v", o_proj: "attn.out",
  gate_proj: "mlp.gate", up_proj: "up", down_proj: "down", c_attn: "attn.proj.qkv",
};

/** MoE expert banks (per-expert adapters): GGUF-style names, "experts" for all three, Mixtral's w1/w3/w2. */
const EXPERT_TARGETS: Record<string, ExpertTarget[]> = {
  gate_exps: ["gate"], up_exps: ["up"], down_exps: ["down"], experts: ["gate", "up", "down"], w1: ["gate"], w3: ["up"], w2: ["down"],
};

export const DEFAULT_LORA_TARGETS = ["q", "v"];

/** Freeze the model and wrap each targeted projection in a LoRALinear (expert targets get per-expert adapters, see
 *  applyExpertLora); returns the projection adapters in model order. */
export function applyLora(model: Module, targets: readonly string[], o: LoraOptions): LoRALinear[] {
  const experts = [...new Set(targets.flatMap((t) => EXPERT_TARGETS[t] ?? []))];
  const suffixes = targets.filter((t) => !EXPERT_TARGETS[t]).map((t) => {
    const s = TARGETS[t];
    if (!s) throw new ArgumentError("lora", `unknown target '${t}' (known: ${[...Object.keys(TARGETS), ...Object.keys(EXPERT_TARGETS)].join(", ")})`);
    return s;
  });
  model.freeze();
  const rng = o.rng ?? new Rng(0);
  const made = swapProjections(model, suffixes, (l) => LoRALinear.fromBase(l, { ...o, rng }));
  const expertMade = experts.length > 0 ? applyExpertLora(model, experts, { ...o, rng }).length : 0;
  if (made.length + expertMade === 0) throw new ArgumentError("lora", `no projection matched targets ${targets.join(", ")}`);
  return made;
}

/** Replace every LoRALinear by its fused Linear (merge the adapter into the weights); expert adapters fuse too. */
export function fuseLora(model: Module): number {
  let n = unwrapExpertLora(model, "fuse");
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
  let n = unwrapExpertLora(model, "remove");
  for (const s of projectionSlots(model)) {
    if (s.layer instanceof LoRALinear) {
      s.parent[s.key] = s.layer.base;
      n++;
    }
  }
  return n;
}

