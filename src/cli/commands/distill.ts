// weft distill: train a student (a smaller config or another GGUF) on a teacher's temperature-softened logits.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load, requireGguf } from "../../load/index.js";
import { ggufToArrays } from "../../load/gguf-weights.js";
import { llamaConfig, type ModelConfig } from "../../models/config.js";
import { tensorManifest } from "../../models/manifest.js";
import { TrainableWeights } from "../../models/trainable.js";
import { buildModel } from "../../models/build.js";
import { exportGguf } from "../../compress/export-gguf.js";
import { distillationLoss, teacherLogits } from "../../train/distill.js";
import { rowsFromSpec, runTraining } from "../../train/run.js";
import type { TrainableModel } from "../../train/trainer.js";
import type { Tensor } from "../../core/tensor.js";
import { setThreads } from "../../backend/registry.js";
import { numberFlag, parseFlags, requireString, stringFlag, type Flags } from "../args.js";
import { ArgumentError, FormatError } from "../../util/errors.js";

const FLAGS: Flags = {
  teacher: { type: "string", help: "teacher GGUF" },
  student: { type: "string", help: "student GGUF (same vocabulary), fully fine-tuned" },
  "student-config": { type: "string", help: "student shape JSON ({dim, nLayer, nHead, nHeadKv?, ffnDim?}), trained from scratch" },
  data: { type: "string", help: "training text: .txt, .jsonl or synthetic:KIND:N" },
  out: { type: "string", help: "output folder (model.gguf, metrics.jsonl, checkpoint)" },
  temperature: { type: "string", help: "softening temperature T (default 2)" },
  alpha: { type: "string", help: "weight of the hard-label cross-entropy (default 0.5)" },
  steps: { type: "string", help: "optimiser steps (default 200)" },
  "batch-size": { type: "string", help: "rows per step (default 8)" },
  "seq-len": { type: "string", help: "tokens per row (default 128)" },
  lr: { type: "string", help: "peak learning rate (default 1e-3)" },
  threads: { type: "string", short: "t", help: "native threads" },
  json: { type: "boolean", help: "JSON metrics lines on stdout" },
};

function studentConfig(path: string, teacher: ModelConfig): ModelConfig {
  const c = JSON.parse(readFileSync(path, "utf8")) as Partial<ModelConfig>;
  if (!c.dim || !c.nLayer || !c.nHead) throw new FormatError("distill", `${path}: needs dim, nLayer and nHead`);
  return llamaConfig({ ...c, dim: c.dim, nLayer: c.nLayer, nHead: c.nHead, vocabSize: teacher.vocabSize, contextLength: teacher.contextLength });
}

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("distill", argv, FLAGS, "--teacher T (--student S | --student-config C) --data D --out DIR");
  if (!p) return 0;
  const threads = numberFlag("distill", p, "threads", { min: 1, integer: true });
  if (threads) setThreads(threads);
  const teacher = load(requireString("distill", p, "teacher"));
  if (!teacher.tokenizer) throw new ArgumentError("distill", "the teacher has no tokenizer");
  const sPath = stringFlag(p, "student"), sCfg = stringFlag(p, "student-config");
  if ((sPath === undefined) === (sCfg === undefined)) throw new ArgumentError("distill", "give exactly one of --student and --student-config");
  let cfg: ModelConfig, weights: TrainableWeights;
  if (sPath) {
    const s = load(sPath);
    if (s.config.vocabSize !== teacher.config.vocabSize) throw new ArgumentError("distill", `student vocabulary ${s.config.vocabSize} differs from the teacher's ${teacher.config.vocabSize}`);
    cfg = s.config;
    weights = new TrainableWeights(ggufToArrays(requireGguf(s, "distill --student"), tensorManifest(cfg)));
  } else {
    cfg = studentConfig(sCfg!, teacher.config);
    weights = TrainableWeights.random(cfg, 0);
  }
  const student = buildModel(cfg, weights) as unknown as TrainableModel;
  const opts = { temperature: numberFlag("distill", p, "temperature", { min: 0 }) ?? 2, alpha: numberFlag("distill", p, "alpha", { min: 0 }) ?? 0.5 };
  const outDir = requireString("distill", p, "out");
  const rows = rowsFromSpec(requireString("distill", p, "data"), teacher.tokenizer, numberFlag("distill", p, "seq-len", { min: 2, integer: true }) ?? 128, 0.05, 0);
  const named = [...weights.named()];
  const t = teacher.model as unknown as TrainableModel;
  runTraining(student, named.map(([, x]) => x), named.map(([n]) => n), rows, {
    steps: numberFlag("distill", p, "steps", { min: 1, integer: true }) ?? 200,
    batchSize: numberFlag("distill", p, "batch-size", { min: 1, integer: true }) ?? 8,
    lr: numberFlag("distill", p, "lr", { min: 0 }) ?? 1e-3, warmupSteps: 10, evalEvery: 50, checkpointEvery: 50, outDir, json: p.values.json === true,
    lossFn: (m, x, y) => distillationLoss(m.forward(x, null, { allLogits: true }), teacherLogits(t, x), y, opts),
  });
  const vocab = new Map([...requireGguf(teacher, "distill").metadata].filter(([k]) => k.startsWith("tokenizer.")));
  exportGguf(join(outDir, "model.gguf"), cfg, new Map(named.map(([n, x]) => [n, { shape: [...x.shape], data: (x as Tensor).f32() }])),
    { type: "F32", vocab, name: "weft-distilled" });
  process.stderr.write(`weft: wrote ${join(outDir, "model.gguf")}\n`);
  return 0;
}
