// Recovery fine-tuning after pruning: LoRA on every block projection of the pruned model, trained for a few steps
// on calibration text with the frozen weights as they are, then fused back into the f32 arrays (and, for sparse
// models, the pruning masks applied again so the zeros stay zero).
import type { ModelConfig } from "../models/config.js";
import type { NamedArray } from "../models/random.js";
import type { Tokenizer } from "../tokenizers/index.js";
import { applyLora } from "../train/lora.js";
import { Trainer, type StepMetrics } from "../train/trainer.js";
import type { Row } from "../train/data.js";
import { LoRALinear } from "../nn/lora.js";
import { projectionSlots } from "../nn/swap.js";
import { Rng } from "../core/rng.js";
import { namedModel } from "./source.js";
import { applyMasks } from "./prune.js";
import { ValueError } from "../util/errors.js";

export interface RecoverOptions {
  steps: number;
  rank?: number;
  lr?: number;
  seqLen?: number;
  batchSize?: number;
  /** Masks of an unstructured prune, re-applied after fusing. */
  masks?: Map<string, Uint8Array>;
  seed?: number;
  onStep?(m: StepMetrics): void;
}

/** Rows of seqLen inputs and next-token targets cut from the text's tokens (BOS first). */
export function textRows(tok: Tokenizer, text: string, seqLen: number): Row[] {
  const ids = tok.encode(text, { addBos: tok.addBos }), rows: Row[] = [];
  for (let s = 0; s + seqLen + 1 <= ids.length; s += seqLen) {
    rows.push({ input: Int32Array.from(ids.slice(s, s + seqLen)), target: Int32Array.from(ids.slice(s + 1, s + seqLen + 1)) });
  }
  if (rows.length === 0) throw new ValueError("recover", `the text has ${ids.length} tokens; one row needs ${seqLen + 1}`);
  return rows;
}

/** Train LoRA adapters on the block projections, fuse them into `arrays` (in place); returns the step metrics. */
export function recoverWithLora(config: ModelConfig, arrays: Map<string, NamedArray>, tok: Tokenizer, text: string,
  o: RecoverOptions): StepMetrics[] {
  const { model, names } = namedModel(config, arrays);
  const rank = o.rank ?? 8;
  const targets = config.arch === "gpt2" ? ["qkv", "o", "up", "down"] : ["q", "k", "v", "o", "gate", "up", "down"];
  const adapters = applyLora(model, targets, { rank, alpha: 2 * rank, rng: new Rng(o.seed ?? 0) });
  const params = adapters.flatMap((a) => [a.loraA, a.loraB]);
  const rows = textRows(tok, text, Math.min(o.seqLen ?? 128, config.contextLength));
  const trainer = new Trainer(model, params, rows, {
    steps: o.steps, batchSize: o.batchSize ?? 8, lr: o.lr ?? 1e-3, warmupSteps: Math.min(10, Math.floor(o.steps / 10)),
    seed: o.seed ?? 0, weightDecay: 0, onStep: o.onStep,
  });
  const metrics = trainer.run();
  for (const s of projectionSlots(model)) {
    if (!(s.layer instanceof LoRALinear)) continue;
    const name = names.get(s.layer.base);
    if (!name) continue;
    const fused = s.layer.fuse(), t = arrays.get(name)!;
    arrays.set(name, { shape: t.shape, data: fused.weight.f32().slice() });
  }
  if (o.masks) applyMasks(arrays, o.masks);
  return metrics;
}
