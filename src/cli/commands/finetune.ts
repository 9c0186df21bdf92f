// weft finetune: full fine-tuning or LoRA on a GGUF model; writes OUT/model.gguf (full) or OUT/adapter (PEFT)
// + OUT/adapter.gguf (llama.cpp LoRA).
import { join } from "node:path";
import { load, requireGguf } from "../../load/index.js";
import { ggufToArrays } from "../../load/gguf-weights.js";
import { tensorManifest } from "../../models/manifest.js";
import { TrainableWeights } from "../../models/trainable.js";
import { buildModel } from "../../models/build.js";
import { exportGguf } from "../../compress/export-gguf.js";
import { applyLora, DEFAULT_LORA_TARGETS } from "../../train/lora.js";
import { saveGgufLora, savePeftAdapter } from "../../train/adapters.js";
import { rowsFromSpec, runTraining } from "../../train/run.js";
import type { Module } from "../../nn/module.js";
import type { Tensor } from "../../core/tensor.js";
import type { TrainableModel } from "../../train/trainer.js";
import { setThreads } from "../../backend/registry.js";
import { numberFlag, parseFlags, requireString, stringFlag, type Flags } from "../args.js";
import { ArgumentError } from "../../util/errors.js";
import type { Parsed } from "../args.js";
import type { Loaded } from "../../load/index.js";
import type { Row } from "../../train/data.js";
import type { RunOptions } from "../../train/run.js";
import type { QuantWeight } from "../../nn/quant-linear.js";
import { crossEntropy } from "../../core/ops/loss.js";
import { PromptTuning, PTuning, type SoftPrompt } from "../../train/soft-prompt.js";
import { saveSoftPrompt } from "../../train/soft-prompt-io.js";

const FLAGS: Flags = {
  model: { type: "string", short: "m", help: "GGUF base model" },
  data: { type: "string", help: "training data: .txt, .jsonl ({text} | {prompt,completion} | {messages}) or synthetic:KIND:N" },
  method: { type: "string", help: "full | lora | prompt (prompt tuning) | ptuning (P-tuning, MLP encoder)" },
  "virtual-tokens": { type: "string", help: "soft-prompt length for prompt/ptuning (default 16)" },
  "init-text": { type: "string", help: "prompt tuning: initialise the virtual tokens from this text's embeddings" },
  out: { type: "string", help: "output folder" },
  rank: { type: "string", help: "LoRA rank (default 8)" },
  alpha: { type: "string", help: "LoRA alpha (default 2 x rank)" },
  targets: { type: "string", help: "LoRA targets, comma-separated: q,k,v,o,gate,up,down (default q,v)" },
  rslora: { type: "boolean", help: "rsLoRA scaling alpha/sqrt(rank)" },
  steps: { type: "string", help: "optimiser steps (default 100)" },
  "batch-size": { type: "string", help: "rows per step (default 8)" },
  "seq-len": { type: "string", help: "tokens per row (default 128)" },
  lr: { type: "string", help: "peak learning rate (default 1e-4 full, 1e-3 lora)" },
  threads: { type: "string", short: "t", help: "native threads" },
  resume: { type: "boolean", help: "continue from OUT/checkpoint.safetensors" },
  json: { type: "boolean", help: "JSON metrics lines on stdout" },
};

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("finetune", argv, FLAGS, "--model M --data D --method full|lora --out DIR [flags]");
  if (!p) return 0;
  const method = stringFlag(p, "method") ?? "lora";
  if (!["full", "lora", "prompt", "ptuning"].includes(method)) throw new ArgumentError("finetune", `--method must be full, lora, prompt or ptuning, not '${method}'`);
  const threads = numberFlag("finetune", p, "threads", { min: 1, integer: true });
  if (threads) setThreads(threads);
  const modelPath = requireString("finetune", p, "model"), outDir = requireString("finetune", p, "out");
  const loaded = load(modelPath);
  if (!loaded.tokenizer) throw new ArgumentError("finetune", `${modelPath} has no tokenizer; training data needs one`);
  const seqLen = numberFlag("finetune", p, "seq-len", { min: 2, integer: true }) ?? 128;
  const rows = rowsFromSpec(requireString("finetune", p, "data"), loaded.tokenizer, seqLen, 0.05, 0);
  const common = {
    steps: numberFlag("finetune", p, "steps", { min: 1, integer: true }) ?? 100,
    batchSize: numberFlag("finetune", p, "batch-size", { min: 1, integer: true }) ?? 8,
    lr: numberFlag("finetune", p, "lr", { min: 0 }) ?? (method === "full" ? 1e-4 : 1e-3),
    warmupSteps: 5, evalEvery: 25, checkpointEvery: 25, outDir, resume: p.values.resume === true, json: p.values.json === true,
  };
  if (method === "full") {
    const manifest = tensorManifest(loaded.config);
    const weights = new TrainableWeights(ggufToArrays(requireGguf(loaded, "finetune --method full"), manifest));
    const model = buildModel(loaded.config, weights) as unknown as TrainableModel;
    const named = [...weights.named()];
    runTraining(model, named.map(([, t]) => t), named.map(([n]) => n), rows, common);
    exportGguf(join(outDir, "model.gguf"), loaded.config, new Map(named.map(([n, t]) => [n, { shape: [...t.shape], data: t.f32() }])),
      { type: "F32", vocab: vocabOf(requireGguf(loaded, "finetune --method full").metadata), name: "weft-finetuned" });
    process.stderr.write(`weft: wrote ${join(outDir, "model.gguf")}\n`);
    return 0;
  }
  if (method === "prompt" || method === "ptuning") return softPrompt(p, method, loaded, rows, common, modelPath);
  const rank = numberFlag("finetune", p, "rank", { min: 1, integer: true }) ?? 8;
  const alpha = numberFlag("finetune", p, "alpha", { min: 0 }) ?? 2 * rank;
  const targets = (stringFlag(p, "targets") ?? DEFAULT_LORA_TARGETS.join(",")).split(",").map((s) => s.trim());
  const model = loaded.model as unknown as Module & TrainableModel;
  applyLora(model, targets, { rank, alpha, rsLora: p.values.rslora === true });
  const named = model.trainableParameters();
  runTraining(model, named.map(([, t]) => t as Tensor), named.map(([n]) => n), rows, common);
  savePeftAdapter(join(outDir, "adapter"), model, loaded.config, { rank, alpha, rsLora: p.values.rslora === true, baseModel: modelPath });
  saveGgufLora(join(outDir, "adapter.gguf"), model, loaded.config);
  process.stderr.write(`weft: wrote ${join(outDir, "adapter")} (PEFT) and ${join(outDir, "adapter.gguf")} (llama.cpp)\n`);
  return 0;
}

/** Prompt tuning / P-tuning: only the soft prompt trains; saved as a PEFT folder OUT/adapter. */
function softPrompt(p: Parsed, method: string, loaded: Loaded, rows: { train: Row[]; val: Row[] }, common: RunOptions, modelPath: string): number {
  const n = numberFlag("finetune", p, "virtual-tokens", { min: 1, integer: true }) ?? 16;
  const model = loaded.model as unknown as Module & TrainableModel;
  model.freeze();
  const table = (loaded.model as unknown as { tokEmbd: { table?: QuantWeight; weight?: Tensor } }).tokEmbd;
  const embTable = table.table ? table.table.dequantize() : table.weight!;
  const initText = stringFlag(p, "init-text");
  const sp: SoftPrompt = method === "prompt"
    ? PromptTuning.init(n, embTable, { initText, tokenizer: loaded.tokenizer ?? undefined })
    : PTuning.init(n, loaded.config.dim, loaded.config.dim);
  runTraining(model, sp.parameters(), sp.namedParameters().map(([k]) => k), rows, {
    ...common, lr: numberFlag("finetune", p, "lr", { min: 0 }) ?? 1e-2,
    lossFn: (m, x, y) => crossEntropy(m.forward(x, null, { allLogits: true, prefix: sp.prefix() }), y),
  });
  saveSoftPrompt(join(common.outDir, "adapter"), sp, { baseModel: modelPath, initText });
  process.stderr.write(`weft: wrote ${join(common.outDir, "adapter")} (PEFT ${method === "prompt" ? "PROMPT_TUNING" : "P_TUNING"})\n`);
  return 0;
}

function vocabOf(md: Map<string, unknown>): Map<string, never> {
  return new Map([...md].filter(([k]) => k.startsWith("tokenizer.")) as [string, never][]);
}
