// A training run as the CLI drives it: data spec -> rows, the trainer loop with metrics JSONL, periodic atomic
// checkpoints, resume, and a progress line (TTY) or JSON lines (--json).
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../core/tensor.js";
import type { Tokenizer } from "../tokenizers/index.js";
import { packRows, readRecords, toExamples, trainValSplit, type Row } from "./data.js";
import { parseSyntheticSpec, syntheticCorpus } from "./corpus.js";
import { Trainer, type StepMetrics, type TrainableModel, type TrainOptions } from "./trainer.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";

/** Rows for a data spec: a file (.txt/.jsonl) or synthetic:KIND:N[:SEED]. */
export function rowsFromSpec(spec: string, tok: Tokenizer, seqLen: number, valFraction: number, seed: number): { train: Row[]; val: Row[] } {
  const syn = parseSyntheticSpec(spec);
  const records = syn ? syntheticCorpus(syn.kind, syn.n, syn.seed) : readRecords(spec);
  const { train, val } = trainValSplit(toExamples(records, tok), valFraction, seed);
  return { train: packRows(train, seqLen), val: packRows(val, seqLen) };
}

export interface RunOptions extends TrainOptions {
  outDir: string;
  checkpointEvery?: number;
  resume?: boolean;
  json?: boolean;
}

export function progressLine(m: StepMetrics, total: number, tokPerS: number, etaS: number): string {
  const width = 24, done = Math.round((m.step / total) * width);
  const val = m.valLoss !== undefined ? ` val ${m.valLoss.toFixed(4)}` : "";
  return `[${"#".repeat(done)}${".".repeat(width - done)}] ${m.step}/${total} loss ${m.loss.toFixed(4)}${val} ` +
    `${tokPerS.toFixed(0)} tok/s ETA ${Math.round(etaS)}s`;
}

/** Train `params` of `model`; returns the metrics of every step run now. */
export function runTraining(model: TrainableModel, params: Tensor[], names: string[], rows: { train: Row[]; val: Row[] }, o: RunOptions): StepMetrics[] {
  mkdirSync(o.outDir, { recursive: true });
  const ckpt = join(o.outDir, "checkpoint.safetensors"), metrics = join(o.outDir, "metrics.jsonl");
  const trainer = new Trainer(model, params, rows.train, o, rows.val);
  if (o.resume && existsSync(ckpt)) loadCheckpoint(ckpt, trainer, names);
  const t0 = performance.now(), startStep = trainer.state.step, out: StepMetrics[] = [];
  let tokens = 0;
  while (trainer.state.step < o.steps) {
    const m = trainer.step();
    out.push(m);
    tokens += m.tokens;
    appendFileSync(metrics, JSON.stringify(m) + "\n");
    const every = o.checkpointEvery ?? 0;
    if ((every > 0 && m.step % every === 0) || m.step === o.steps) saveCheckpoint(ckpt, trainer, names);
    const elapsed = (performance.now() - t0) / 1000;
    const rate = tokens / Math.max(elapsed, 1e-9), eta = ((o.steps - m.step) * elapsed) / Math.max(1, m.step - startStep);
    if (o.json) process.stdout.write(JSON.stringify({ ...m, tokens_per_s: rate }) + "\n");
    else if (process.stderr.isTTY) process.stderr.write(`\r${progressLine(m, o.steps, rate, eta)}`);
    else if (m.step % Math.max(1, Math.floor(o.steps / 10)) === 0) process.stderr.write(`${progressLine(m, o.steps, rate, eta)}\n`);
  }
  if (!o.json && process.stderr.isTTY) process.stderr.write("\n");
  return out;
}
