// weft train --config CONFIG.json: pre-train a llama-architecture model from scratch; writes OUT/model.gguf.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { llamaConfig, type ModelConfig } from "../../models/config.js";
import { LlamaModel } from "../../models/llama.js";
import { TrainableWeights } from "../../models/trainable.js";
import { exportGguf, syntheticVocab } from "../../compress/export-gguf.js";
import { tokenizerFromGguf } from "../../tokenizers/index.js";
import { rowsFromSpec, runTraining } from "../../train/run.js";
import { setThreads } from "../../backend/registry.js";
import { parseFlags, requireString, stringFlag, type Flags } from "../args.js";
import { ArgumentError, FormatError } from "../../util/errors.js";

const FLAGS: Flags = {
  config: { type: "string", help: "training config JSON (model shape, data, schedule)" },
  out: { type: "string", help: "output folder (overrides the config's 'out')" },
  resume: { type: "boolean", help: "continue from OUT/checkpoint.safetensors" },
  threads: { type: "string", short: "t", help: "native threads" },
  json: { type: "boolean", help: "one JSON line of metrics per step on stdout" },
};

export interface TrainConfig {
  model: Partial<ModelConfig> & { dim: number; nLayer: number; nHead: number };
  data: string;
  out?: string;
  seqLen?: number;
  batchSize?: number;
  steps?: number;
  lr?: number;
  warmupSteps?: number;
  schedule?: "constant" | "linear" | "cosine";
  weightDecay?: number;
  gradAccum?: number;
  valFraction?: number;
  evalEvery?: number;
  checkpointEvery?: number;
  seed?: number;
}

export function readTrainConfig(path: string): TrainConfig {
  let c: TrainConfig;
  try {
    c = JSON.parse(readFileSync(path, "utf8")) as TrainConfig;
  } catch (e) {
    throw new FormatError("train", `${path}: ${(e as Error).message}`);
  }
  for (const k of ["dim", "nLayer", "nHead"] as const) {
    if (!Number.isInteger(c.model?.[k]) || c.model[k] < 1) throw new FormatError("train", `${path}: model.${k} must be a positive integer`);
  }
  if (typeof c.data !== "string") throw new FormatError("train", `${path}: 'data' must be a file path or synthetic:KIND:N`);
  return c;
}

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("train", argv, FLAGS, "--config CONFIG.json [--out DIR] [--resume] [--json]");
  if (!p) return 0;
  const c = readTrainConfig(requireString("train", p, "config"));
  const outDir = stringFlag(p, "out") ?? c.out;
  if (!outDir) throw new ArgumentError("train", "give --out or 'out' in the config");
  const threads = stringFlag(p, "threads");
  if (threads) setThreads(Number(threads));
  const vocabSize = Math.max(c.model.vocabSize ?? 320, 260);
  const vocab = syntheticVocab(vocabSize);
  const tok = tokenizerFromGguf(vocab as Map<string, unknown>);
  const cfg = llamaConfig({ ...c.model, vocabSize, contextLength: c.model.contextLength ?? Math.max(256, c.seqLen ?? 128) });
  const seqLen = c.seqLen ?? 128;
  const rows = rowsFromSpec(c.data, tok, seqLen, c.valFraction ?? 0.05, c.seed ?? 0);
  const weights = TrainableWeights.random(cfg, c.seed ?? 0);
  const model = new LlamaModel(cfg, weights);
  const named = [...weights.named()];
  runTraining(model, named.map(([, t]) => t), named.map(([n]) => n), rows, {
    steps: c.steps ?? 200, batchSize: c.batchSize ?? 8, lr: c.lr ?? 1e-3, warmupSteps: c.warmupSteps ?? 10, schedule: c.schedule,
    weightDecay: c.weightDecay, gradAccum: c.gradAccum, seed: c.seed, evalEvery: c.evalEvery ?? 50, outDir,
    checkpointEvery: c.checkpointEvery ?? 50, resume: p.values.resume === true, json: p.values.json === true,
  });
  const arrays = new Map(named.map(([n, t]) => [n, { shape: [...t.shape], data: t.f32() }]));
  exportGguf(join(outDir, "model.gguf"), cfg, arrays, { type: "F32", vocab, name: "weft-trained" });
  process.stderr.write(`weft: wrote ${join(outDir, "model.gguf")}\n`);
  return 0;
}
