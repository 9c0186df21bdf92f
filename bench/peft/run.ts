// Child process of experiment:peft: adapt a base GGUF to one task with one method and report cost and quality.
// Usage: node dist/bench/peft/run.js BASE.gguf TASK N METHOD STEPS OUTDIR
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { load } from "../../src/load/index.js";
import { ggufToArrays } from "../../src/load/gguf-weights.js";
import { tensorManifest } from "../../src/models/manifest.js";
import { TrainableWeights } from "../../src/models/trainable.js";
import { buildModel } from "../../src/models/build.js";
import { applyLora } from "../../src/train/lora.js";
import { savePeftAdapter } from "../../src/train/adapters.js";
import { PromptTuning, PTuning, type SoftPrompt } from "../../src/train/soft-prompt.js";
import { saveSoftPrompt } from "../../src/train/soft-prompt-io.js";
import { packRows, toExamples } from "../../src/train/data.js";
import { syntheticCorpus, type CorpusKind } from "../../src/train/corpus.js";
import { Trainer, type TrainableModel } from "../../src/train/trainer.js";
import { crossEntropy } from "../../src/core/ops/loss.js";
import { generate } from "../../src/generate/generate.js";
import type { Module } from "../../src/nn/module.js";
import type { Tensor } from "../../src/core/tensor.js";
import type { LanguageModel } from "../../src/models/config.js";
import { exportGguf } from "../../src/compress/export-gguf.js";

const [base, task, nStr, method, stepsStr, outDir] = process.argv.slice(2) as [string, CorpusKind, string, string, string, string];
const n = Number(nStr), steps = Number(stepsStr);
const loaded = load(base);
const tok = loaded.tokenizer!;
const train = syntheticCorpus(task, n, 11), heldOut = syntheticCorpus(task, 60, 999) as { prompt: string; completion: string }[];
const rows = packRows(toExamples(train, tok), 64);

let model = loaded.model as unknown as Module & TrainableModel & LanguageModel;
let params: Tensor[];
let prefix: (() => Tensor) | undefined;
if (method === "full") {
  const w = new TrainableWeights(ggufToArrays(loaded.gguf!, tensorManifest(loaded.config)));
  model = buildModel(loaded.config, w) as unknown as typeof model;
  params = [...w.named().values()];
} else if (method.startsWith("lora")) {
  const r = Number(method.slice(4));
  applyLora(model, ["q", "k", "v", "o", "gate", "up", "down"], { rank: r, alpha: 2 * r });
  params = model.trainableParameters().map(([, t]) => t);
} else {
  model.freeze();
  const table = (model as unknown as { tokEmbd: { table: { dequantize(): Tensor } } }).tokEmbd.table.dequantize();
  const sp: SoftPrompt = method === "prompt" ? PromptTuning.init(16, table, { initText: task === "translation" ? "Translate into Weftish" : "Answer the question", tokenizer: tok })
    : PTuning.init(16, loaded.config.dim, loaded.config.dim);
  params = sp.parameters();
  prefix = () => sp.prefix();
  (globalThis as { sp?: SoftPrompt }).sp = sp;
}
const lr = method === "full" ? 3e-4 : method.startsWith("lora") ? 3e-3 : 3e-2;
const lossFn = prefix ? (m: TrainableModel, x: Tensor, y: Tensor) => crossEntropy(m.forward(x, null, { allLogits: true, prefix: prefix!() }), y) : undefined;
const t0 = performance.now();
const ms = new Trainer(model, params, rows, { steps, batchSize: 8, lr, warmupSteps: 5, lossFn }).run();
const secPerStep = (performance.now() - t0) / 1000 / steps;

// held-out exact-match accuracy with greedy decoding
(model as unknown as Module).eval();
let correct = 0;
for (const ex of heldOut) {
  const r = await generate(model, tok, ex.prompt, { temperature: 0, maxTokens: ex.completion.length + 4, stop: ["\n"], prefix: prefix?.() });
  if (r.text.trim().startsWith(ex.completion) && r.text.trim().length <= ex.completion.length + 1) correct++;
}
// the bytes to ship for this task, and the time to switch a loaded base to it
const dir = join(outDir, `${task}-${n}-${method}`);
mkdirSync(dir, { recursive: true });
const t1 = performance.now();
if (method === "full") exportGguf(join(dir, "model.gguf"), loaded.config, new Map([...(model as unknown as { namedParameters(): [string, Tensor][] }).namedParameters()].map(([k, t]) => [k, { shape: [...t.shape], data: t.f32() }])), { type: "F32" });
else if (method.startsWith("lora")) savePeftAdapter(dir, model, loaded.config, { rank: Number(method.slice(4)), alpha: 2 * Number(method.slice(4)) });
else saveSoftPrompt(dir, (globalThis as { sp?: SoftPrompt }).sp!);
const saveMs = performance.now() - t1;
const bytes = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
process.stdout.write(JSON.stringify({
  task, n, method, trainable: params.reduce((s, p) => s + p.size, 0), secPerStep, rssMb: process.resourceUsage().maxRSS / 1024,
  firstLoss: ms[0]!.loss, lastLoss: ms.at(-1)!.loss, accuracy: correct / heldOut.length, adapterBytes: bytes, saveMs,
}) + "\n");
