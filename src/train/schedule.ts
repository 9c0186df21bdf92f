// Learning-rate schedules with linear warmup: constant, linear decay, cosine decay.
import { ArgumentError } from "../util/errors.js";

export type ScheduleKind = "constant" | "linear" | "cosine";

export interface ScheduleOptions {
  kind: ScheduleKind;
  lr: number;
  warmupSteps?: number;
  totalSteps: number;
  /** Floor as a fraction of lr for linear/cosine (default 0.1). */
  minRatio?: number;
}

/** lr at `step` (0-based). */
export function learningRate(o: ScheduleOptions, step: number): number {
  const warm = o.warmupSteps ?? 0, min = o.minRatio ?? 0.1;
  if (!(o.lr >= 0) || o.totalSteps < 1 || warm < 0) {
    throw new ArgumentError("schedule", `invalid schedule: lr ${o.lr}, totalSteps ${o.totalSteps}, warmupSteps ${warm}`);
  }
  if (step < warm) return (o.lr * (step + 1)) / warm;
  if (o.kind === "constant") return o.lr;
  const progress = Math.min(1, (step - warm) / Math.max(1, o.totalSteps - warm));
  const decay = o.kind === "linear" ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
  return o.lr * (min + (1 - min) * decay);
}
