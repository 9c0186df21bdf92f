// Training sparse MoE models: the loss hook (cross-entropy + Switch load-balancing + router z-loss), per-step expert
// utilisation for StepMetrics.aux, capacity factor, and LoRA on expert banks.
import type { Tensor } from "../core/tensor.js";
import { add, mul } from "../core/ops/binary.js";
import { crossEntropy } from "../core/ops/loss.js";
import { Module } from "../nn/module.js";
import { MoeFfn } from "../nn/moe.js";
import { ExpertBank, ExpertLoRA } from "../nn/moe-experts.js";
import { Rng } from "../core/rng.js";
import type { LoraOptions } from "../nn/lora.js";

/** What the trainer passes to a loss hook (structurally train/trainer.ts's TrainableModel). */
interface ForwardAll {
  forward(tokens: Tensor, cache: null, opts: { allLogits: true }): Tensor;
}
import { ArgumentError } from "../util/errors.js";

/** Every MoE layer under `root`, in model order. */
export function moeLayers(root: Module): MoeFfn[] {
  const out: MoeFfn[] = [];
  const walk = (m: Module): void => {
    if (m instanceof MoeFfn) out.push(m);
    else m.children().forEach(walk);
  };
  walk(root);
  return out;
}

/** Capacity factor of every MoE layer (0 = no limit; Switch Transformer uses 1.0-1.25 for training). */
export function setCapacityFactor(root: Module, factor: number): void {
  if (!(factor >= 0)) throw new ArgumentError("moe", `capacity factor must be >= 0 but is ${factor}`);
  for (const l of moeLayers(root)) l.capacityFactor = factor;
}

export interface MoeLossOptions {
  /** Weight of the load-balancing loss (Switch: 0.01). */
  balance?: number;
  /** Weight of the router z-loss (ST-MoE: 0.001). */
  z?: number;
}

/** Utilisation of one optimiser step: per layer, the fraction of assignments each expert got (sums to 1). */
export interface MoeStepAux {
  ce: number;
  balanceLoss: number;
  zLoss: number;
  expertLoad: number[][];
  /** Fraction of assignments dropped by the capacity limit. */
  dropped: number;
}

/** A Trainer loss hook and metrics reader for a model with MoE layers. */
export function moeTraining(model: Module, o: MoeLossOptions = {}): {
  lossFn(m: ForwardAll, input: Tensor, target: Tensor): Tensor;
  auxMetrics(): Record<string, unknown>;
} {
  const layers = moeLayers(model), cb = o.balance ?? 0.01, cz = o.z ?? 0.001;
  const loads = layers.map((l) => new Float64Array(l.nExpert));
  let ce = 0, bl = 0, zl = 0, calls = 0, dropped = 0, assigned = 0;
  return {
    lossFn(m, input, target) {
      const base = crossEntropy(m.forward(input, null, { allLogits: true }), target);
      let loss = base;
      calls++;
      ce += base.item();
      layers.forEach((l, i) => {
        const r = l.lastRouting;
        if (r) {
          r.counts.forEach((c, e) => (loads[i]![e]! += c));
          dropped += r.dropped;
          assigned += r.M * r.K;
        }
        if (!l.lastAux) return;
        bl += l.lastAux.balance.item() / layers.length;
        zl += l.lastAux.z.item() / layers.length;
        if (cb > 0) loss = add(loss, mul(l.lastAux.balance, cb / layers.length));
        if (cz > 0) loss = add(loss, mul(l.lastAux.z, cz / layers.length));
      });
      return loss;
    },
    auxMetrics() {
      const n = Math.max(1, calls);
      const aux: MoeStepAux = {
        ce: ce / n, balanceLoss: bl / n, zLoss: zl / n, dropped: assigned > 0 ? dropped / assigned : 0,
        expertLoad: loads.map((v) => {
          const s = v.reduce((a, b) => a + b, 0);
          return Array.from(v, (x) => (s > 0 ? x / s : 0));
        }),
      };
      loads.forEach((v) => v.fill(0));
      ce = bl = zl = dropped = assigned = calls = 0;
      return aux as unknown as Record<string, unknown>;
    },
  };
}

export type ExpertTarget = "gate" | "up" | "down";
const FIELD = { gate: "gateExps", up: "upExps", down: "downExps" } as const;

/** Wrap the chosen expert banks of every MoE layer in per-expert LoRA (the rest of the model is not touched; freeze it
 *  first). Returns the adapters in model order. */
export function applyExpertLora(model: Module, targets: readonly ExpertTarget[], o: LoraOptions): ExpertLoRA[] {
  const rng = o.rng ?? new Rng(0), made: ExpertLoRA[] = [];
  for (const l of moeLayers(model)) {
    for (const t of targets) {
      const b = l[FIELD[t]];
      if (!(b instanceof ExpertBank)) throw new ArgumentError("lora", `the ${t} experts already carry an adapter`);
      const a = ExpertLoRA.fromBase(b, { ...o, rng });
      l[FIELD[t]] = a;
      made.push(a);
    }
  }
  return made;
}

/** Fold (fuse) or drop (remove) every expert adapter; returns how many were replaced. */
export function unwrapExpertLora(model: Module, how: "fuse" | "remove"): number {
  let n = 0;
  for (const l of moeLayers(model)) {
    for (const f of Object.values(FIELD)) {
      const b = l[f];
      if (b instanceof ExpertLoRA) {
        l[f] = how === "fuse" ? b.fuse() : b.base;
        n++;
      }
    }
  }
  return n;
}
