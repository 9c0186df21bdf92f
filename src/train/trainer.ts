// The training loop: batches of packed rows, gradient accumulation, clipping, LR schedule, NaN guard,
// periodic validation, metrics callbacks and checkpoints. Seeded and bit-reproducible for a backend and thread count.
import type { Tensor } from "../core/tensor.js";
import { fromArray } from "../core/tensor.js";
import { backward, noGrad } from "../core/autograd.js";
import { crossEntropy } from "../core/ops/loss.js";
import { mul } from "../core/ops/binary.js";
import { Rng } from "../core/rng.js";
import type { Row } from "./data.js";
import { AdamW } from "./optim.js";
import { learningRate, type ScheduleKind } from "./schedule.js";
import { clipGradNorm } from "./clip.js";
import { ArgumentError, ValueError } from "../util/errors.js";

/** What the trainer needs from a model: logits for every position of [B, T] ids. */
export interface TrainableModel {
  forward(tokens: Tensor, cache: null, opts: { allLogits: true; prefix?: Tensor }): Tensor;
}

export interface TrainOptions {
  steps: number;
  batchSize: number;
  lr: number;
  schedule?: ScheduleKind;
  warmupSteps?: number;
  weightDecay?: number;
  /** Max global gradient norm (0 = no clipping; default 1). */
  clip?: number;
  /** Micro-batches per optimiser step (default 1). */
  gradAccum?: number;
  seed?: number;
  /** Non-finite loss or gradient: skip the step (default) or stop the run. */
  nanPolicy?: "skip" | "stop";
  evalEvery?: number;
  /** Called after every optimiser step. */
  onStep?(m: StepMetrics): void;
  /** The training loss of a batch (default: next-token cross-entropy); distillation plugs in here. */
  lossFn?(model: TrainableModel, input: Tensor, target: Tensor): Tensor;
  /** Extra per-step metrics gathered after the step (e.g. MoE expert load), stored in StepMetrics.aux. */
  auxMetrics?(): Record<string, unknown>;
}

const crossEntropyLoss = (model: TrainableModel, input: Tensor, target: Tensor): Tensor =>
  crossEntropy(model.forward(input, null, { allLogits: true }), target);

export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number;
  seconds: number;
  skipped: boolean;
  valLoss?: number;
  /** What TrainOptions.auxMetrics returned for this step. */
  aux?: Record<string, unknown>;
}

/** Mutable state that a checkpoint captures (with the parameters and optimiser moments). */
export interface TrainState {
  step: number;
  cursor: number;
  order: number[];
  rng: Rng;
}

export function batchTensors(rows: readonly Row[]): { input: Tensor; target: Tensor } {
  const B = rows.length, T = rows[0]!.input.length;
  const input = new Int32Array(B * T), target = new Int32Array(B * T);
  rows.forEach((r, b) => {
    input.set(r.input, b * T);
    target.set(r.target, b * T);
  });
  return { input: fromArray(input, [B, T]), target: fromArray(target, [B, T]) };
}

/** Mean loss over rows, without gradients. */
export function evaluate(model: TrainableModel, rows: readonly Row[], batchSize: number): number {
  let total = 0, n = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const { input, target } = batchTensors(rows.slice(i, i + batchSize));
    total += noGrad(() => crossEntropy(model.forward(input, null, { allLogits: true }), target).item()) * Math.min(batchSize, rows.length - i);
    n += Math.min(batchSize, rows.length - i);
  }
  return n > 0 ? total / n : NaN;
}

export class Trainer {
  readonly opt: AdamW;
  readonly state: TrainState;

  constructor(readonly model: TrainableModel, readonly params: Tensor[], readonly rows: readonly Row[], readonly o: TrainOptions,
    readonly valRows: readonly Row[] = []) {
    if (rows.length === 0) throw new ValueError("train", "no training rows: the data is shorter than one sequence");
    if (!(o.steps >= 1 && o.batchSize >= 1)) throw new ArgumentError("train", `steps and batchSize must be >= 1 (got ${o.steps}, ${o.batchSize})`);
    if (params.length === 0) throw new ValueError("train", "no trainable parameters");
    this.opt = new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay ?? 0.01 });
    const rng = new Rng(o.seed ?? 0);
    this.state = { step: 0, cursor: 0, order: shuffleOrder(rows.length, rng), rng };
  }

  /** The next batch of rows, reshuffling at each epoch boundary. */
  private nextRows(): Row[] {
    const out: Row[] = [];
    while (out.length < this.o.batchSize) {
      if (this.state.cursor >= this.state.order.length) {
        this.state.order = shuffleOrder(this.rows.length, this.state.rng);
        this.state.cursor = 0;
      }
      out.push(this.rows[this.state.order[this.state.cursor++]!]!);
    }
    return out;
  }

  /** One optimiser step (gradAccum micro-batches). */
  step(): StepMetrics {
    const t0 = performance.now(), accum = this.o.gradAccum ?? 1;
    this.opt.zeroGrad();
    let loss = 0, tokens = 0;
    for (let k = 0; k < accum; k++) {
      const { input, target } = batchTensors(this.nextRows());
      const l = (this.o.lossFn ?? crossEntropyLoss)(this.model, input, target);
      loss += l.item() / accum;
      tokens += input.size;
      backward(accum > 1 ? mul(l, 1 / accum) : l);
    }
    const gradNorm = clipGradNorm(this.params, this.o.clip ?? 1);
    const lr = learningRate({ kind: this.o.schedule ?? "cosine", lr: this.o.lr, warmupSteps: this.o.warmupSteps, totalSteps: this.o.steps }, this.state.step);
    const skipped = !Number.isFinite(loss) || !Number.isFinite(gradNorm);
    if (skipped && (this.o.nanPolicy ?? "skip") === "stop") {
      throw new ValueError("train", `non-finite ${Number.isFinite(loss) ? "gradient" : "loss"} at step ${this.state.step}; stopping (nanPolicy=stop)`);
    }
    if (!skipped) {
      this.opt.lr = lr;
      noGrad(() => this.opt.step());
    }
    this.state.step++;
    const m: StepMetrics = { step: this.state.step, loss, lr, gradNorm, tokens, seconds: (performance.now() - t0) / 1000, skipped };
    if (this.o.auxMetrics) m.aux = this.o.auxMetrics();
    const every = this.o.evalEvery ?? 0;
    if (every > 0 && this.valRows.length > 0 && (this.state.step % every === 0 || this.state.step === this.o.steps)) {
      m.valLoss = evaluate(this.model, this.valRows, this.o.batchSize);
    }
    this.o.onStep?.(m);
    return m;
  }

  /** Run the remaining steps. */
  run(): StepMetrics[] {
    const out: StepMetrics[] = [];
    while (this.state.step < this.o.steps) out.push(this.step());
    return out;
  }
}

function shuffleOrder(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
