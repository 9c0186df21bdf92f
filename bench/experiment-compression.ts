// npm run experiment:compression — what compression costs in quality and buys in size and speed. Trains one llama
// model with weft on TinyStories text (or reuses --model), then quantises it (round-to-nearest vs calibrated: imatrix
// and GPTQ) and prunes it (magnitude vs Wanda, 2:4, heads/FFN/layers, LoRA recovery); every variant gets its file
// size, weft decode tokens/s and held-out perplexity from weft and from llama.cpp (node-llama-cpp) on the same file.
// stories260K (Karpathy's, 64-wide rows) gets the legacy-type table. Writes docs/experiments/compression.{md,png}.
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir, cpus } from "node:os";
import { parseArgs } from "node:util";
import { llamaConfig, type ModelConfig } from "../src/models/config.js";
import { LlamaModel } from "../src/models/llama.js";
import { TrainableWeights } from "../src/models/trainable.js";
import { Trainer } from "../src/train/trainer.js";
import { exportGguf, syntheticVocab } from "../src/compress/export-gguf.js";
import { tokenizerFromGguf, type Tokenizer } from "../src/tokenizers/index.js";
import { readSource, type SourceModel } from "../src/compress/source.js";
import { calibrateArrays, type Calibration } from "../src/compress/imatrix.js";
import { quantizeSource, type QuantMethod } from "../src/compress/quantize.js";
import { recipeFor } from "../src/compress/recipes.js";
import { pruneSource, type PruneOptions } from "../src/compress/prune-model.js";
import { textRows } from "../src/compress/recover.js";
import { pruneUnstructured } from "../src/compress/prune.js";
import { load } from "../src/load/index.js";
import { argmax } from "../src/generate/sampler.js";
import { noGrad } from "../src/core/autograd.js";
import type { LanguageModel } from "../src/models/config.js";
import { perplexity } from "../src/eval/perplexity.js";
import { scatterChart, type ChartSeries } from "../src/eval/chart.js";
import { backendName, setThreads } from "../src/backend/registry.js";
import { threadsFromEnv } from "../src/util/env.js";
import { getLlamaCpp } from "../test/helpers/llama-cpp.js";
import { llamaCppPerplexity } from "../test/eval/llama-cpp-perplexity.js";
import { fixturePath } from "../test/helpers/fixtures.js";

const { values: args } = parseArgs({ options: {
  work: { type: "string", default: join(tmpdir(), "weft-compression") },
  model: { type: "string" },
  steps: { type: "string", default: "240" },
  chunks: { type: "string", default: "32" },
  docs: { type: "string", default: "docs/experiments" },
  "recover-steps": { type: "string", default: "30" },
} });
const WORK = args.work!, CTX = 256, CHUNKS = Number(args.chunks), STEPS = Number(args.steps);
mkdirSync(WORK, { recursive: true });
const t0 = performance.now();
const log = (m: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${m}\n`);

interface Row {
  group: string;
  /** Fraction removed (pruning rows). */
  sparsity: number;
  label: string;
  method: string;
  bytes: number;
  ppl: number;
  pplLlama: number | null;
  decode: number;
  note?: string;
}

// --- data: TinyStories paragraphs, 85% train, 5% calibration, last 10% held out
function fixture(rel: string): string {
  const p = fixturePath(rel);
  if (!p) throw new Error(`fixture ${rel} not found (set WEFT_FIXTURES or provide ../shared/fixtures)`);
  return p;
}
const paras = readFileSync(fixture("text/tinystories/tinystories_val_head.txt"), "utf8").split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
const cut = (a: number, b: number) => paras.slice(Math.floor(a * paras.length), Math.floor(b * paras.length)).join("\n\n");
const TRAIN = cut(0, 0.85), CALIB = cut(0.85, 0.9), HELD = cut(0.9, 1);

const CONFIG: ModelConfig = llamaConfig({ vocabSize: 320, dim: 256, nLayer: 4, nHead: 4, ffnDim: 1024, contextLength: 512 });

function train(path: string): { seconds: number; loss: number } {
  const vocab = syntheticVocab(CONFIG.vocabSize), tok = tokenizerFromGguf(vocab as Map<string, unknown>);
  const weights = TrainableWeights.random(CONFIG, 0), model = new LlamaModel(CONFIG, weights), named = [...weights.named()];
  const rows = textRows(tok, TRAIN, 128);
  const trainer = new Trainer(model, named.map(([, t]) => t), rows, { steps: STEPS, batchSize: 8, lr: 2e-3, warmupSteps: 20, seed: 0,
    onStep: (m) => { if (m.step % 20 === 0) log(`train step ${m.step}/${STEPS} loss ${m.loss.toFixed(3)}`); } });
  const ts = performance.now(), metrics = trainer.run();
  exportGguf(path, CONFIG, new Map(named.map(([n, t]) => [n, { shape: [...t.shape], data: t.f32() }])), { type: "F32", vocab, name: "weft-tinystories" });
  return { seconds: (performance.now() - ts) / 1000, loss: metrics.slice(-10).reduce((a, m) => a + m.loss, 0) / 10 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const llamaOk = (await getLlamaCpp()) !== null;

/** Greedy decode speed: a 16-token prefill, then 64 single-token steps over the KV cache (tokens/s of the steps). */
function decodeOnce(model: LanguageModel, prompt: number[]): number {
  const cache = model.makeCache(prompt.length + 65);
  let logits = noGrad(() => model.forward(Int32Array.from(prompt), cache)).f32();
  const ts = performance.now();
  for (let i = 0; i < 64; i++) logits = noGrad(() => model.forward(Int32Array.of(argmax(logits)), cache)).f32();
  return 64 / ((performance.now() - ts) / 1000);
}

/** Decode timings run on one thread: with two, small shapes and large ones take different paths (single- vs
 *  multi-threaded) and other jobs on the 2 cores stall the multi-threaded ones, which swamps the effect of size. */
function oneThread<T>(fn: () => T): T {
  setThreads(1);
  try {
    return fn();
  } finally {
    setThreads(threadsFromEnv());
  }
}

/** Median of 7 runs after one warm-up run. */
function decodeSpeed(model: LanguageModel, prompt: number[]): number {
  return oneThread(() => {
    decodeOnce(model, prompt);
    return median(Array.from({ length: 7 }, () => decodeOnce(model, prompt)));
  });
}

async function measure(path: string, tokens: number[], tok: Tokenizer, llamaCheck = true): Promise<Pick<Row, "bytes" | "ppl" | "pplLlama" | "decode">> {
  const { model } = load(path);
  const o = { ctx: CTX, bos: tok.addBos ? tok.bos : null, maxChunks: CHUNKS };
  const ppl = perplexity(model, tokens, o).ppl;
  const decode = decodeSpeed(model, tokens.slice(0, 16));
  const pplLlama = llamaOk && llamaCheck ? (await llamaCppPerplexity(path, tokens, o)).ppl : null;
  return { bytes: statSync(path).size, ppl, pplLlama, decode };
}

/** Interleaved A/B decode timing (the machine is shared): median over rounds of speed(b) / speed(a). */
function decodeRatio(a: string, b: string, prompt: number[], rounds = 9): { a: number; b: number; ratio: number } {
  return oneThread(() => abRounds(load(a).model, load(b).model, prompt, rounds));
}

function abRounds(ma: LanguageModel, mb: LanguageModel, prompt: number[], rounds: number): { a: number; b: number; ratio: number } {
  const sa: number[] = [], sb: number[] = [], r: number[] = [];
  decodeOnce(ma, prompt);
  decodeOnce(mb, prompt);
  for (let i = 0; i < rounds; i++) {
    sa.push(decodeOnce(ma, prompt));
    sb.push(decodeOnce(mb, prompt));
    r.push(sb.at(-1)! / sa.at(-1)!);
  }
  return { a: median(sa), b: median(sb), ratio: median(r) };
}

async function quantTable(src: SourceModel, base: string, types: string[], cal: Calibration, tokens: number[], group: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of ["f32", "f16"]) {
    const path = join(WORK, `${group}-${name}.gguf`);
    if (name === "f32") writeFileSync(path, readFileSync(base));
    else quantizeSource(src, path, { recipe: recipeFor(name) });
    rows.push({ group, label: name.toUpperCase(), method: "-", sparsity: 0, ...(await measure(path, tokens, src.tokenizer!)) });
    log(`${group} ${name}: ppl ${rows.at(-1)!.ppl.toFixed(4)}`);
  }
  for (const name of types) {
    // Q8_0's quantiser has no scale search, so importance weights change nothing there
    for (const method of (name === "q8_0" ? ["rtn", "gptq"] : ["rtn", "imatrix", "gptq"]) as QuantMethod[]) {
      const path = join(WORK, `${group}-${name}-${method}.gguf`), ts = performance.now();
      const report = quantizeSource(src, path, { recipe: recipeFor(name), calibration: method === "rtn" ? null : cal, method });
      const fb = report.filter((r) => r.fallback).length;
      const note = `${((performance.now() - ts) / 1000).toFixed(1)} s${fb ? `; ${fb} fallbacks` : ""}`;
      rows.push({ group, label: name.toUpperCase(), method, note, sparsity: 0, ...(await measure(path, tokens, src.tokenizer!)) });
      log(`${group} ${name} ${method}: ppl ${rows.at(-1)!.ppl.toFixed(4)} (${note})`);
    }
  }
  return rows;
}

async function pruneTable(src: SourceModel, tokens: number[], group: string, cal: Calibration, full: boolean): Promise<Row[]> {
  const cases: [string, PruneOptions][] = [];
  for (const s of full ? [0.3, 0.5, 0.7] : [0.5]) for (const m of ["magnitude", "wanda"] as const) cases.push([`${m} ${s * 100}%`, { method: m, sparsity: s }]);
  cases.push(["2:4 (wanda score)", { method: "2:4", sparsity: 0.5 }]);
  for (const s of full ? [0.25, 0.5] : [0.25]) for (const m of ["heads", "ffn", "layers"] as const) cases.push([`${m} ${s * 100}%`, { method: m, sparsity: s }]);
  const rs = Number(args["recover-steps"]);
  if (rs > 0 && full) {
    cases.push([`ffn 50% + LoRA ${rs} steps`, { method: "ffn", sparsity: 0.5, recoverSteps: rs }]);
    cases.push([`wanda 50% + LoRA ${rs} steps`, { method: "wanda", sparsity: 0.5, recoverSteps: rs }]);
  }
  const rows: Row[] = [];
  for (const [label, o] of cases) {
    const path = join(WORK, `${group}-prune-${label.replace(/[^a-z0-9]+/gi, "_")}.gguf`), ts = performance.now();
    const r = pruneSource(src, path, { ...o, calibration: CALIB, calibrationStats: cal });
    const shape = `${r.after.nLayer}L ${r.after.nHead}h ffn ${r.after.ffnDim}`;
    const note = `${shape}; ${((performance.now() - ts) / 1000).toFixed(1)} s${r.recoverLoss ? `; loss ${r.recoverLoss.first.toFixed(3)}→${r.recoverLoss.last.toFixed(3)}` : ""}`;
    const structured = ["heads", "ffn", "layers"].includes(o.method);
    rows.push({ group, label, method: o.method, note, sparsity: o.sparsity, ...(await measure(path, tokens, src.tokenizer!, structured)) });
    log(`${group} prune ${label}: ppl ${rows.at(-1)!.ppl.toFixed(4)} (${note})`);
  }
  return rows;
}

// --- the weft-trained model
const trained = args.model ?? join(WORK, "tinystories-f32.gguf"), infoPath = join(WORK, "train.json");
let trainInfo: { seconds: number; loss: number; steps: number; cached?: boolean } | null = null;
if (!args.model && !existsSync(trained)) {
  log(`training ${CONFIG.dim}-wide ${CONFIG.nLayer}-layer model for ${STEPS} steps on ${TRAIN.length} chars`);
  trainInfo = { ...train(trained), steps: STEPS };
  writeFileSync(infoPath, JSON.stringify(trainInfo));
} else if (!args.model && existsSync(infoPath)) {
  trainInfo = { ...(JSON.parse(readFileSync(infoPath, "utf8")) as { seconds: number; loss: number; steps: number }), cached: true };
}
const src = readSource(trained), tok = src.tokenizer!;
const heldTokens = tok.encode(HELD, { addBos: tok.addBos });
const cal = calibrateArrays(src.config, src.arrays, tok, CALIB, { ctx: CTX, chunks: 64, hessian: true, blocks: true });
log(`calibrated on ${cal.tokens} tokens`);
const quantRows = await quantTable(src, trained, ["q8_0", "q6_k", "q5_k", "q4_k", "q4_k_m", "q4_0", "q3_k", "q2_k"], cal, heldTokens, "trained");
const pruneRows = await pruneTable(src, heldTokens, "trained", cal, true);
const ab = decodeRatio(join(WORK, "trained-f32.gguf"), join(WORK, "trained-prune-ffn_25_.gguf"), heldTokens.slice(0, 16));
log(`decode A/B: f32 ${ab.a.toFixed(0)} tok/s, ffn 25% ${ab.b.toFixed(0)} tok/s, ratio ${ab.ratio.toFixed(2)}`);
const ffnQ8 = join(WORK, "trained-prune-ffn_25_-q8_0.gguf");
quantizeSource(readSource(join(WORK, "trained-prune-ffn_25_.gguf")), ffnQ8, { recipe: recipeFor("q8_0") });
const abQ8 = decodeRatio(join(WORK, "trained-q8_0-rtn.gguf"), ffnQ8, heldTokens.slice(0, 16));
log(`decode A/B Q8_0: ${abQ8.a.toFixed(0)} tok/s, ffn 25% ${abQ8.b.toFixed(0)} tok/s, ratio ${abQ8.ratio.toFixed(2)}`);

// --- stories260K (64-wide rows: K-quants fall back; legacy types are its real table)
const s260 = fixture("models/stories260K/stories260K.gguf");
const ssrc = readSource(s260), stok = ssrc.tokenizer!;
const scal = calibrateArrays(ssrc.config, ssrc.arrays, stok, CALIB, { ctx: CTX, chunks: 64, hessian: true, blocks: true });
const sTokens = stok.encode(HELD, { addBos: stok.addBos });
const s260Rows = await quantTable(ssrc, s260, ["q8_0", "q5_1", "q5_0", "q4_1", "q4_0"], scal, sTokens, "stories260K");
const s260Prune = await pruneTable(ssrc, sTokens, "stories260K", scal, false);

// --- report
/** How uneven the input activations are: max / median of the column norms ‖X_j‖, median over the block projections. */
function activationSpread(c: Calibration): number {
  const spreads = [...c.stats.keys()].filter((n) => n.startsWith("blk.")).map((n) => {
    const norms = [...c.importance(n)!].map(Math.sqrt).sort((a, b) => a - b);
    return norms.at(-1)! / norms[Math.floor(norms.length / 2)]!;
  });
  return median(spreads);
}

/** Fraction of the weights magnitude pruning removes at 50% that Wanda removes too. */
function maskOverlap(s: SourceModel, c: Calibration): number {
  const copy = () => new Map([...s.arrays].map(([k, t]) => [k, { shape: t.shape, data: t.data.slice() }]));
  const a = pruneUnstructured(copy(), "magnitude", 0.5, null).masks, b = pruneUnstructured(copy(), "wanda", 0.5, c).masks;
  let both = 0, gone = 0;
  for (const [n, m] of a) {
    const w = b.get(n)!;
    for (let i = 0; i < m.length; i++) if (m[i] === 0) { gone++; both += w[i] === 0 ? 1 : 0; }
  }
  return both / gone;
}

const f32 = quantRows[0]!, f16 = quantRows[1]!;
const find = (label: string, method: string) => quantRows.find((r) => r.label === label && r.method === method)!;
const gapRtn = find("Q4_K", "rtn").ppl - f16.ppl, gapCal = find("Q4_K", "gptq").ppl - f16.ppl, gapIm = find("Q4_K", "imatrix").ppl - f16.ppl;
const prow = (l: string, rows = pruneRows) => rows.find((r) => r.label === l)!;
const ffnSpeed = ab.ratio;
const mib = (b: number) => (b / 1048576).toFixed(2);
const fmt = (r: Row) => `| ${r.label} | ${r.method} | ${mib(r.bytes)} | ${r.decode.toFixed(0)} | ${r.ppl.toFixed(4)} | ${r.pplLlama?.toFixed(4) ?? "-"} | ${r.note ?? ""} |`;
const HEAD = "| variant | method | MiB | decode tok/s | PPL (weft) | PPL (llama.cpp) | notes |\n|---|---|---:|---:|---:|---:|---|";
const verdict = (ok: boolean) => (ok ? "**met**" : "**not met**");

const pts = (rows: Row[], label = false) => rows.map((r) => ({ x: r.bytes / 1048576, y: r.ppl, label: label ? r.label : undefined }));
const byMethod = (m: string) => quantRows.filter((r) => r.method === m);
const quantSeries: ChartSeries[] = [
  { name: "rtn", color: [31, 119, 180], points: pts(byMethod("rtn"), true) },
  { name: "imatrix", color: [44, 160, 44], points: pts(byMethod("imatrix")) },
  { name: "gptq", color: [255, 127, 14], points: pts(byMethod("gptq")) },
  { name: "f32 f16", color: [90, 90, 90], points: pts([f32, f16], true) },
];
// magnitude and Wanda land on nearly the same points: nudge them apart so both show
const nudge: Record<string, number> = { magnitude: -1, wanda: 1 };
const sp = (m: string) => pruneRows.filter((r) => r.method === m && !r.label.includes("LoRA"))
  .map((r) => ({ x: r.sparsity * 100 + (nudge[m] ?? 0), y: r.ppl, label: m === "2:4" ? "2:4" : undefined }));
const pruneSeries: ChartSeries[] = [
  { name: "magnitude", color: [31, 119, 180], points: sp("magnitude") },
  { name: "wanda", color: [255, 127, 14], points: sp("wanda") },
  { name: "2:4", color: [148, 103, 189], points: sp("2:4") },
  { name: "heads", color: [214, 39, 40], points: sp("heads") },
  { name: "ffn", color: [44, 160, 44], points: sp("ffn") },
  { name: "layers", color: [140, 86, 75], points: sp("layers") },
  { name: "+lora", color: [23, 190, 207], points: pruneRows.filter((r) => r.label.includes("LoRA")).map((r) => ({ x: r.sparsity * 100, y: r.ppl, label: r.method })) },
];
mkdirSync(args.docs!, { recursive: true });
writeFileSync(join(args.docs!, "compression-quant.png"), scatterChart(quantSeries, { title: "quantisation: file size vs held-out perplexity", xLabel: "file size mib", yLabel: "perplexity" }));
writeFileSync(join(args.docs!, "compression-prune.png"), scatterChart(pruneSeries, { title: "pruning: fraction removed vs held-out perplexity", xLabel: "% removed", yLabel: "perplexity (log)", logY: true, yMax: 30 }));

const cmd = `npm run experiment:compression${args.model ? ` -- --model ${args.model}` : ""}`;
const md = `# Compression: what quantisation and pruning cost in quality and buy in size and speed

Produced by \`${cmd}\` (${((performance.now() - t0) / 60000).toFixed(1)} min on ${cpus()[0]?.model.trim() ?? "?"}, ${cpus().length} cores, backend ${backendName()}${trainInfo?.cached ? `; this run reused the model its first run trained in ${(trainInfo.seconds / 60).toFixed(1)} min — delete ${WORK} to train again` : ""}).
The script is [bench/experiment-compression.ts](../../bench/experiment-compression.ts); intermediate files go to \`${WORK}\`.

## Setup

- **Model**: llama architecture trained from scratch by weft: dim ${CONFIG.dim}, ${CONFIG.nLayer} layers, ${CONFIG.nHead} heads, FFN ${CONFIG.ffnDim}, byte-level vocabulary of ${CONFIG.vocabSize} (weft's synthetic SentencePiece vocabulary), ${trainInfo ? `${trainInfo.steps} steps of 8 x 128 tokens (${trainInfo.seconds.toFixed(0)} s${trainInfo.cached ? " in an earlier run of this script, whose file this run reused" : ""}, final train loss ${trainInfo.loss.toFixed(3)})` : `read from ${args.model}`}.
- **Data**: \`shared/fixtures/text/tinystories/tinystories_val_head.txt\` split by paragraph: first 85% training, next 5% calibration (${cal.tokens} tokens used: 64 chunks of ${CTX}, BOS first), last 10% held out (${heldTokens.length} tokens).
- **Perplexity**: llama.cpp's definition (\`weft eval perplexity\`): chunks of ${CTX} tokens, BOS at each chunk start, second half scored; first ${CHUNKS} chunks (${CHUNKS * (CTX / 2 - 1)} scored tokens). The llama.cpp column is computed from llama.cpp's own next-token probabilities (node-llama-cpp, F32 KV cache) on the same file and tokens.
- **Decode tok/s**: weft on 1 thread, greedy, 64 single-token steps over the KV cache after a 16-token prefill, median of 7 after a warm-up, all in one process. One thread because with two the small and large shapes take different kernel paths and other jobs on the shared cores stall the threaded ones, which swamps size effects; single figures are still noisy (the FFN target below uses interleaved A/B rounds).
- **Methods**: rtn = round-to-nearest (each codec's own scale search); imatrix = the same search weighted by the mean squared input activation of each column; gptq = imatrix scales plus GPTQ error feedback (damping 0.1 of mean diag H, statistics from the float model). Plain types quantise every matrix at that type, norms stay F32; Q4_K_M is llama.cpp's mix (output, and attn_v/ffn_down of the use_more_bits layers, at Q6_K).

![quantisation: size vs perplexity](compression-quant.png)
![pruning: fraction removed vs perplexity](compression-prune.png)

## Quantisation (weft-trained model)

${HEAD}
${quantRows.map(fmt).join("\n")}

Target — calibrated Q4_K perplexity increase over F16 at most half that of round-to-nearest Q4_K: RTN +${gapRtn.toFixed(4)}, imatrix +${gapIm.toFixed(4)}, GPTQ +${gapCal.toFixed(4)} (ratio ${(gapCal / gapRtn).toFixed(2)}): ${verdict(gapCal <= gapRtn / 2)}.

## Pruning (weft-trained model, output F32)

Unstructured methods (magnitude, Wanda, 2:4) zero weights of the block projections per output row and store them densely, so size and speed do not change; structured methods remove attention heads, FFN neurons or whole layers (ranked by activation-weighted norms / block influence on the calibration text), which shrinks the tensors and the config. LoRA recovery trains rank-8 adapters on all block projections on the calibration text, then fuses them (and re-applies the sparsity mask). llama.cpp perplexities are measured for the structured files (new shapes: fewer heads with an explicit key_length, narrower FFN, fewer layers); the unstructured ones are ordinary F32 files.

${HEAD}
${pruneRows.map(fmt).join("\n")}

Targets — Wanda 50% beats magnitude 50%: ${prow("wanda 50%").ppl.toFixed(4)} vs ${prow("magnitude 50%").ppl.toFixed(4)} here: ${verdict(prow("wanda 50%").ppl < prow("magnitude 50%").ppl)}; on stories260K (below) ${prow("wanda 50%", s260Prune).ppl.toFixed(4)} vs ${prow("magnitude 50%", s260Prune).ppl.toFixed(4)}: ${verdict(prow("wanda 50%", s260Prune).ppl < prow("magnitude 50%", s260Prune).ppl)}.
A 25% structured FFN prune decodes >= 1.2x faster: measured as interleaved A/B rounds (9 rounds, median of the per-round ratios), F32 vs the FFN-25% F32 file: ${ab.a.toFixed(0)} vs ${ab.b.toFixed(0)} tok/s, ${ffnSpeed.toFixed(2)}x: ${verdict(ffnSpeed >= 1.2)}. The same two models at Q8_0: ${abQ8.a.toFixed(0)} vs ${abQ8.b.toFixed(0)} tok/s, ${abQ8.ratio.toFixed(2)}x (the FFN is ${(((3 * CONFIG.dim * CONFIG.ffnDim) / (4 * CONFIG.dim * CONFIG.dim + 3 * CONFIG.dim * CONFIG.ffnDim)) * 100).toFixed(0)}% of each block's weights, so 25% of it is ${((0.25 * 3 * CONFIG.ffnDim) / (4 * CONFIG.dim + 3 * CONFIG.ffnDim) * 100).toFixed(0)}% of the block's bytes: an F32 ratio above 1.23 means the smaller weights also fit a cache level the full ones miss; at Q8_0 the matrices are small enough that per-token work outside them — attention, norms, JavaScript dispatch — dominates a model this size). The table's decode column comes from separate runs minutes apart and is noisier.

## stories260K (Karpathy's TinyStories model; rows of 64 and 172)

K-quants need rows that are multiples of 256, so on this model every K type falls back (Q4_K -> Q5_0, Q6_K -> Q8_0, 172-wide ffn_down -> F16); the legacy 32-blocks are its real table. Same held-out text, its own 512-token vocabulary.

${HEAD}
${s260Rows.map(fmt).join("\n")}

Pruning stories260K (F32 output):

${HEAD}
${s260Prune.map(fmt).join("\n")}

## Notes

- weft and llama.cpp agree on every file's perplexity to about 1e-4 relative, except Q4_1/Q5_1 (stories260K table, up to ~1e-3): weft's Q4_1/Q5_1 linear adds the activations' block sum exactly where ggml uses the f16-rounded \`s\` field of its Q8_1 blocks. Emulating that rounding brings next-token probabilities to 1e-7 of llama.cpp's; it belongs in backend/ref/linear.ts and the native kernel (the quantize parity test marks Q4_1/Q5_1 as todo until then).
- Wanda vs magnitude: Wanda multiplies |W| by each input column's activation norm (the spread of those norms, median over the block projections of max/median ‖X_j‖: ${activationSpread(cal).toFixed(2)} for the weft-trained model, ${activationSpread(scal).toFixed(2)} for stories260K). Of the weights magnitude pruning removes at 50%, Wanda removes ${(maskOverlap(src, cal) * 100).toFixed(0)}% too on the weft-trained model and ${(maskOverlap(ssrc, scal) * 100).toFixed(0)}% on stories260K: the two differ in few weights. On the weft-trained model that difference leaves perplexity within 0.5% at every sparsity; on stories260K, where magnitude pruning at 50% multiplies perplexity by 8, the weights Wanda keeps instead halve the damage.
- GPTQ here fixes each block's scales with the codec's own importance-weighted search when the column sweep reaches the block, then chooses every code on that grid with error feedback; the bytes are the codec's layout. Damping 0.1 of mean(diag H) measured better than the paper's 0.01 across these models' 4- and 5-bit types with 16k calibration tokens; statistics come from the float model in one pass (no layer-by-layer re-collection).
- Unstructured sparsity is stored densely, so it buys nothing in size or speed here; its value is as a step before a sparse kernel or as 2:4 hardware layouts. Structured pruning is what shrinks files and speeds decode.
`;
writeFileSync(join(args.docs!, "compression.md"), md);
log(`wrote ${join(args.docs!, "compression.md")}`);
process.exit(0);
