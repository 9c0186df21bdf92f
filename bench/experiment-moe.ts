// npm run experiment:moe: dense vs sparse MoE on the same TinyStories bytes and tokens — a dense model of equal
// active parameters, one of equal total parameters, the MoE (8 experts, top-2) with and without the load-balancing
// loss; validation loss, training and decode tokens/s, memory; expert load over training as PNG heatmaps.
// Writes docs/experiments/moe.md (+ moe-*.png). Flags: --steps 600 --runs dense-active,dense-total,moe,moe-nobal[,moe-top8]
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { llamaConfig, type ModelConfig } from "../src/models/config.js";
import { moeConfig, parameterCounts } from "../src/models/moe.js";
import { moeTraining } from "../src/models/moe-train.js";
import { LlamaModel } from "../src/models/llama.js";
import { TrainableWeights } from "../src/models/trainable.js";
import { randomWeights } from "../src/models/random.js";
import { exportGguf, syntheticVocab } from "../src/compress/export-gguf.js";
import { tokenizerFromGguf } from "../src/tokenizers/index.js";
import { packRows, toExamples, type Row } from "../src/train/data.js";
import { Trainer, evaluate, type StepMetrics } from "../src/train/trainer.js";
import { load } from "../src/load/index.js";
import { noGrad } from "../src/core/autograd.js";
import { argmax } from "../src/generate/sampler.js";
import { setThreads } from "../src/backend/registry.js";
import { Canvas, type Rgb } from "../src/util/png.js";
import { drawText } from "../src/util/font.js";
import { fixturePath } from "../test/helpers/fixtures.js";

const { values } = parseArgs({ options: {
  steps: { type: "string", default: "600" }, runs: { type: "string", default: "dense-active,dense-total,moe,moe-nobal" },
  out: { type: "string", default: "docs/experiments/moe.md" }, child: { type: "string" }, threads: { type: "string", default: "2" },
  "report-only": { type: "boolean" },
} });
const STEPS = Number(values.steps), SEQ = 64, BATCH = 8, C = 96, LAYERS = 2, HEADS = 4, E = 8, K = 2, F = 96, V = 300;

const RUNS: Record<string, { cfg: ModelConfig; balance: number; label: string }> = {
  "dense-active": { cfg: llamaConfig({ vocabSize: V, dim: C, nLayer: LAYERS, nHead: HEADS, ffnDim: K * F, contextLength: 256 }), balance: 0,
    label: `dense, FFN ${K * F} (= MoE active)` },
  "dense-total": { cfg: llamaConfig({ vocabSize: V, dim: C, nLayer: LAYERS, nHead: HEADS, ffnDim: E * F, contextLength: 256 }), balance: 0,
    label: `dense, FFN ${E * F} (= MoE total)` },
  moe: { cfg: moeConfig({ vocabSize: V, dim: C, nLayer: LAYERS, nHead: HEADS, ffnDim: F, nExpert: E, nExpertUsed: K, contextLength: 256 }),
    balance: 0.01, label: `MoE ${E} x FFN ${F}, top-${K}, balance 0.01, z 0.001` },
  "moe-top8": { cfg: moeConfig({ vocabSize: V, dim: C, nLayer: LAYERS, nHead: HEADS, ffnDim: F, nExpert: E, nExpertUsed: E, contextLength: 256 }),
    balance: 0.01, label: `MoE ${E} x FFN ${F}, all ${E} experts (control: no sparsity)` },
  "moe-nobal": { cfg: moeConfig({ vocabSize: V, dim: C, nLayer: LAYERS, nHead: HEADS, ffnDim: F, nExpert: E, nExpertUsed: K, contextLength: 256 }),
    balance: 0, label: `MoE ${E} x FFN ${F}, top-${K}, no balance loss, z 0.001` },
};

interface RunResult {
  name: string;
  total: number;
  active: number;
  curve: { step: number; loss: number; valLoss?: number }[];
  load: number[][][];
  valLoss: number;
  trainTokS: number;
  decodeTokS: number;
  rssMb: number;
  paramMb: number;
  ggufMb: number;
}

/** TinyStories stories as byte-level rows: the first 90% train, the last 10% validation. */
function data(): { train: Row[]; val: Row[] } {
  const path = fixturePath("text/tinystories/tinystories_val_head.txt");
  if (!path) throw new Error("needs ../shared/fixtures/text/tinystories/tinystories_val_head.txt");
  const stories = readFileSync(path, "utf8").split(/\n\s*\n/).map((s) => s.trim()).filter((s) => s.length > 0).slice(0, 1200);
  const tok = tokenizerFromGguf(syntheticVocab(V) as Map<string, unknown>);
  const cut = Math.floor(stories.length * 0.9);
  const rows = (xs: string[]) => packRows(toExamples(xs.map((text) => ({ text })), tok), SEQ);
  return { train: rows(stories.slice(0, cut)), val: rows(stories.slice(cut)).slice(0, 64) };
}

/** Child: train one model, export it, time greedy decoding of the exported GGUF; prints a RunResult line. */
function child(name: string): void {
  setThreads(Number(values.threads));
  const run = RUNS[name]!, { train, val } = data();
  // randomWeights' output head is scaled x3 for clear greedy margins in parity tests; train from std 1/sqrt(C)
  const init = randomWeights(run.cfg, 7);
  init.get("output.weight")!.data.forEach((v, i, a) => (a[i] = v / 3));
  const w = new TrainableWeights(init), model = new LlamaModel(run.cfg, w), params = [...w.named().values()];
  const hook = run.cfg.nExpert ? moeTraining(model, { balance: run.balance, z: 0.001 }) : {};
  const ms: StepMetrics[] = new Trainer(model, params, train, { steps: STEPS, batchSize: BATCH, lr: 3e-3, warmupSteps: 20, seed: 1,
    evalEvery: Math.max(1, Math.floor(STEPS / 10)), ...hook }, val).run();
  const trainS = ms.reduce((s, m) => s + m.seconds, 0); // step times exclude the validation passes
  const path = join(tmpdir(), `weft-moe-exp-${name}.gguf`);
  exportGguf(path, run.cfg, new Map([...w.named()].map(([n, x]) => [n, { shape: [...x.shape], data: x.f32() }])), { type: "F32" });
  const { model: inf } = load(path);
  const decodes = [0, 1, 2].map(() => {
    const cache = inf.makeCache(200);
    let logits = noGrad(() => inf.forward(Int32Array.of(1, 87, 113, 104), cache)).f32();
    const t = performance.now();
    for (let i = 0; i < 128; i++) logits = noGrad(() => inf.forward(Int32Array.of(argmax(logits)), cache)).f32();
    return 128 / ((performance.now() - t) / 1000);
  }).sort((a, b) => a - b);
  const { total, active } = parameterCounts(run.cfg);
  const res: RunResult = {
    name, total, active, valLoss: evaluate(model, val, BATCH),
    curve: ms.map((m) => ({ step: m.step, loss: m.loss, valLoss: m.valLoss })),
    load: ms.map((m) => (m.aux?.expertLoad as number[][] | undefined) ?? []),
    trainTokS: (STEPS * BATCH * SEQ) / trainS, decodeTokS: decodes[1]!, rssMb: process.resourceUsage().maxRSS / 1024,
    paramMb: (params.reduce((n, p) => n + p.size, 0) * 4) / 2 ** 20, ggufMb: statSync(path).size / 2 ** 20,
  };
  process.stdout.write(JSON.stringify(res) + "\n");
}

/** Expert load heatmap: one band per layer (l0, l1, ...), experts e0..e7 down, steps across (2 px per step up to 300
 *  steps); white = 0, dark blue = half of all assignments. The font has digits and a few lower-case letters only. */
function loadPng(r: RunResult): Buffer {
  const steps = r.load.length, layers = r.load[0]?.length ?? 0, cell = 14, left = 44, top = 16, gap = 24;
  const cols = Math.min(steps, 300), px = 2, width = left + cols * px + 90, height = top + layers * (E * cell + gap);
  const c = new Canvas(width, height), ink: Rgb = [40, 40, 40];
  const shade = (v: number): Rgb => {
    const t = Math.min(1, v / 0.5);
    return [Math.round(255 - 225 * t), Math.round(255 - 175 * t), Math.round(255 - 75 * t)];
  };
  for (let l = 0; l < layers; l++) {
    const y0 = top + l * (E * cell + gap);
    drawText(c, `l${l}`, 4, y0 + 2, ink);
    for (let x = 0; x < cols; x++) {
      const s = Math.min(steps - 1, Math.floor((x * steps) / cols));
      for (let e = 0; e < E; e++) c.rect(left + x * px, y0 + e * cell, px, cell - 1, shade(r.load[s]![l]![e]!));
    }
    for (let e = 0; e < E; e++) drawText(c, `e${e}`, left - 18, y0 + e * cell + 4, ink, 1);
  }
  const bx = left + cols * px + 14;
  for (let i = 0; i <= 100; i++) c.rect(bx, top + 100 - i, 14, 1, shade(i / 200));
  drawText(c, "0.5", bx + 18, top - 2, ink);
  drawText(c, "0.125", bx + 18, top + 75 - 4, ink);
  drawText(c, "0", bx + 18, top + 96, ink);
  drawText(c, `1-${steps}`, left, height - 14, ink);
  return c.toPng();
}

const COLORS: Rgb[] = [[255, 127, 14], [44, 160, 44], [31, 119, 180], [214, 39, 40], [148, 103, 189]];

/** Validation loss of every run against steps (colours in run order, named in the report). */
function curvesPng(rs: RunResult[]): Buffer {
  const w = 720, h = 400, pad = 44, c = new Canvas(w, h), ink: Rgb = [60, 60, 60];
  const pts = rs.map((r) => r.curve.filter((p) => p.valLoss !== undefined).map((p) => ({ x: p.step, y: p.valLoss! })));
  const all = pts.flat(), maxX = Math.max(...all.map((p) => p.x)), lo = Math.min(...all.map((p) => p.y)), hi = Math.max(...all.map((p) => p.y));
  const X = (x: number) => pad + (x / maxX) * (w - 2 * pad), Y = (y: number) => h - pad - ((y - lo) / Math.max(1e-9, hi - lo)) * (h - 2 * pad);
  for (let k = 0; k <= 4; k++) {
    const y = pad + (k * (h - 2 * pad)) / 4;
    c.line(pad, y, w - pad, y, [225, 225, 225]);
    drawText(c, (hi - (k * (hi - lo)) / 4).toFixed(2), 2, y - 4, ink, 1);
  }
  c.line(pad, h - pad, w - pad, h - pad, [0, 0, 0]);
  c.line(pad, pad, pad, h - pad, [0, 0, 0]);
  pts.forEach((p, i) => {
    for (let j = 1; j < p.length; j++) c.line(X(p[j - 1]!.x), Y(p[j - 1]!.y), X(p[j]!.x), Y(p[j]!.y), COLORS[i % COLORS.length]!, 2);
  });
  drawText(c, String(maxX), w - pad - 20, h - pad + 8, ink);
  return c.toPng();
}

function parent(): void {
  const names = values.runs!.split(","), saved = join(tmpdir(), "weft-moe-exp-results.json");
  // --report-only rewrites the page from the last run's results (no training)
  const results: RunResult[] = values["report-only"] ? JSON.parse(readFileSync(saved, "utf8")) as RunResult[] : [];
  for (const name of values["report-only"] ? [] : names) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, "--child", name, "--steps", String(STEPS), "--threads", values.threads!],
      { encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(r.stderr);
    results.push(JSON.parse(r.stdout.trim().split("\n").pop()!) as RunResult);
    process.stderr.write(`${name}: val ${results.at(-1)!.valLoss.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  writeFileSync(saved, JSON.stringify(results));
  const outDir = dirname(values.out!);
  mkdirSync(outDir, { recursive: true });
  for (const r of results.filter((x) => x.load[0]?.length)) writeFileSync(join(outDir, `moe-load-${r.name}.png`), loadPng(r));
  writeFileSync(join(outDir, "moe-val-loss.png"), curvesPng(results));
  writeFileSync(values.out!, report(results));
  process.stderr.write(`wrote ${values.out}\n`);
}

/** Expert load spread of the last 20 steps: per layer, the largest share over the smallest non-trivial summary. */
function lastLoad(r: RunResult): number[][] {
  const last = r.load.slice(-20), layers = last[0]?.length ?? 0;
  return Array.from({ length: layers }, (_, l) => Array.from({ length: E }, (_, e) => last.reduce((s, x) => s + x[l]![e]!, 0) / last.length));
}

/** The figures that answer the question, computed from this run's rows. */
function summary(rs: RunResult[]): string {
  const by = (n: string) => rs.find((r) => r.name === n);
  const moe = by("moe"), da = by("dense-active"), dt = by("dense-total"), nb = by("moe-nobal");
  if (!moe || !da || !dt) return "";
  const pct = (a: number, b: number) => `${a < b ? "" : "+"}${((a / b - 1) * 100).toFixed(1)}%`;
  const minShare = (r: RunResult) => Math.min(...lastLoad(r).flat());
  const lines = [
    `- Validation loss: MoE ${moe.valLoss.toFixed(3)} vs dense-active ${da.valLoss.toFixed(3)} (${pct(moe.valLoss, da.valLoss)}) and ` +
      `dense-total ${dt.valLoss.toFixed(3)} (${pct(moe.valLoss, dt.valLoss)}).`,
    `- Training throughput: MoE ${pct(moe.trainTokS, da.trainTokS)} vs dense-active, ${pct(moe.trainTokS, dt.trainTokS)} vs dense-total; ` +
      `decode: MoE ${pct(moe.decodeTokS, da.decodeTokS)} vs dense-active, ${pct(moe.decodeTokS, dt.decodeTokS)} vs dense-total.`,
    `- Memory: the MoE stores ${(moe.paramMb / da.paramMb).toFixed(2)}x the parameters of dense-active (as many as dense-total) for ` +
      `${(moe.active / da.active).toFixed(2)}x its per-token compute.`,
  ];
  if (nb) {
    lines.push(`- Load balancing: the least-used expert gets ${(100 * minShare(moe)).toFixed(1)}% of the assignments with the balance ` +
      `loss and ${(100 * minShare(nb)).toFixed(1)}% without (balanced: ${(100 / E).toFixed(1)}%); val loss ${moe.valLoss.toFixed(3)} vs ${nb.valLoss.toFixed(3)}.`);
  }
  return lines.join("\n");
}

function report(rs: RunResult[]): string {
  const M = (n: number) => `${(n / 1e3).toFixed(0)}k`;
  const imbalance = (r: RunResult) => lastLoad(r).map((p) => `${(100 * Math.max(...p)).toFixed(0)}/${(100 * Math.min(...p)).toFixed(0)}%`).join(", ");
  const rows = rs.map((r) => `| ${RUNS[r.name]!.label} | ${M(r.total)} | ${M(r.active)} | ${r.valLoss.toFixed(3)} | ${r.trainTokS.toFixed(0)} | ` +
    `${r.decodeTokS.toFixed(0)} | ${r.paramMb.toFixed(2)} | ${r.ggufMb.toFixed(2)} | ${r.rssMb.toFixed(0)} | ${imbalance(r)} |`);
  const curves = rs.map((r) => `| ${r.name} | ${r.curve.filter((p) => p.valLoss !== undefined).map((p) => `${p.step}: ${p.valLoss!.toFixed(3)}`).join(", ")} |`);
  const pngs = rs.filter((r) => r.load[0]?.length).map((r) => `${r.name}:\n\n![expert load, ${r.name}](moe-load-${r.name}.png)`).join("\n\n");
  return `# Dense vs sparse mixture-of-experts

Made by \`npm run experiment:moe -- --steps ${STEPS} --runs ${values.runs}\` on ${new Date().toISOString().slice(0, 10)}
(2-core shared machine, weft native backend, ${values.threads} threads; times are noisy).

Same data and tokens for every run: TinyStories (the first 1200 stories of the fixture's validation head, 90% train /
10% validation) as bytes through a 300-token SentencePiece byte vocabulary, ${STEPS} AdamW steps of ${BATCH} x ${SEQ} tokens
(lr 3e-3, cosine, 20 warm-up steps, weight init seed 7, batch order seed 1). All models: C ${C}, ${LAYERS} layers, ${HEADS} heads.
The MoE replaces each FFN by ${E} SiLU-gated experts of width ${F} with a softmax router, top-${K}, renormalised weights
(Mixtral routing; the GGUF runs in llama.cpp), trained with the Switch load-balancing loss (0.01) and router z-loss (0.001).
"Dense active" has an FFN of width ${K * F} (the parameters one token uses in the MoE); "dense total" has ${E * F}
(all expert parameters as one FFN). Decode: the trained model exported to an F32 GGUF, loaded, 128 greedy tokens (median of 3);
at these widths a decode step is mostly per-token overhead and machine noise, so decode speed at a realistic size is
measured by \`node dist/bench/moe.js\` (8 experts top-2 at C 512 vs the dense model of equal active parameters and llama.cpp).

${summary(rs)}

| model | total params | active params | val loss (nats/token) | train tok/s | decode tok/s | params MB | GGUF MB | peak RSS MB | expert load max/min, last 20 steps (per layer) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---|
${rows.join("\n")}

Validation loss during training:

| run | step: val loss |
|---|---|
${curves.join("\n")}

Validation loss against steps (${rs.map((r, i) => `${["orange", "green", "blue", "red", "purple"][i % 5]}: ${r.name}`).join(", ")}):

![validation loss](moe-val-loss.png)

Expert load over training: per layer (l0, l1) and expert (e0-e${E - 1}), the share of the top-${K} assignments each expert
received at each step (steps run left to right); 1/${E} = 0.125 is perfectly balanced, dark blue = 0.5 or more.

${pngs}
`;
}

if (values.child) child(values.child);
else parent();
