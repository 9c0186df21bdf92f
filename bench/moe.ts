// node dist/bench/moe.js: an 8-expert top-2 MoE vs the dense model of equal active parameters in weft, and weft vs
// llama.cpp on the same MoE file (prefill and decode tokens/s, peak RSS; medians of --runs child processes). On a
// shared machine wall time is noisy, so weft's dense/MoE ratio is also given in CPU time per token on one thread.
// Flags: --types Q8_0,Q4_K,F16 --runs 3 --threads 2 --prompt 64 --gen 64 --shape small|base
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { llamaConfig, type ModelConfig } from "../src/models/config.js";
import { moeConfig, parameterCounts } from "../src/models/moe.js";
import { randomWeights } from "../src/models/random.js";
import { exportGguf } from "../src/compress/export-gguf.js";
import type { GgmlTypeName } from "../src/dtype/ggml.js";
import { benchDir } from "./infer/shapes.js";
import { load } from "../src/load/index.js";
import { noGrad } from "../src/core/autograd.js";
import { setThreads } from "../src/backend/registry.js";
import { argmax } from "../src/generate/sampler.js";

interface Run { prefill: number; decode: number; rssMb: number }

const { values } = parseArgs({ options: {
  types: { type: "string", default: "Q8_0,Q4_K,F16" }, runs: { type: "string", default: "3" }, threads: { type: "string", default: "2" },
  prompt: { type: "string", default: "64" }, gen: { type: "string", default: "64" }, shape: { type: "string", default: "base" },
  "cpu-child": { type: "string" }, "cpu-child-llama": { type: "string" },
} });
const runs = Number(values.runs), threads = Number(values.threads);

/** Widths are multiples of 256 so every type (Q4_K included) applies to every matrix. */
const SHAPES: Record<string, { dim: number; nLayer: number; nHead: number; expertFfn: number }> = {
  small: { dim: 256, nLayer: 4, nHead: 4, expertFfn: 256 },
  base: { dim: 512, nLayer: 8, nHead: 8, expertFfn: 512 },
};
const s = SHAPES[values.shape!]!;
const common = { vocabSize: 32000, dim: s.dim, nLayer: s.nLayer, nHead: s.nHead, contextLength: 512 };
const MODELS: Record<string, ModelConfig> = {
  moe: moeConfig({ ...common, ffnDim: s.expertFfn, nExpert: 8, nExpertUsed: 2 }),
  dense: llamaConfig({ ...common, ffnDim: 2 * s.expertFfn }),
};

function modelFile(kind: string, type: GgmlTypeName): string {
  const path = join(benchDir(), `moe-bench-${values.shape}-${kind}-${type}.gguf`);
  if (!existsSync(path)) {
    process.stderr.write(`writing ${path} ...\n`);
    exportGguf(path, MODELS[kind]!, randomWeights(MODELS[kind]!, 1), { type, name: `bench-${kind}` });
  }
  return path;
}

function child(script: string, path: string, t: number): Run {
  const r = spawnSync(process.execPath, [script, path, values.prompt!, values.gen!, String(t)], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function measure(script: string, path: string, t: number): Run {
  const rs = Array.from({ length: runs }, () => child(script, path, t));
  return { prefill: median(rs.map((r) => r.prefill)), decode: median(rs.map((r) => r.decode)), rssMb: Math.max(...rs.map((r) => r.rssMb)) };
}

/** Child: CPU milliseconds per decoded token on one thread (median of 5 passes of --gen tokens). */
function cpuChild(path: string): void {
  setThreads(1);
  const { model } = load(path), per: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const cache = model.makeCache(Number(values.gen) + 8);
    let logits = noGrad(() => model.forward(Int32Array.of(1, 2, 3, 4), cache)).f32();
    const c0 = process.cpuUsage();
    for (let i = 0; i < Number(values.gen); i++) logits = noGrad(() => model.forward(Int32Array.of(argmax(logits)), cache)).f32();
    const c = process.cpuUsage(c0);
    per.push((c.user + c.system) / 1000 / Number(values.gen));
  }
  process.stdout.write(JSON.stringify({ cpuMs: median(per) }) + "\n");
}

/** Child: the same CPU-time measurement through llama.cpp (node-llama-cpp, one thread, same process). */
async function cpuChildLlama(path: string): Promise<void> {
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  const per: number[] = [], gen = Number(values.gen);
  for (let rep = 0; rep < 5; rep++) {
    const ctx = await model.createContext({ contextSize: gen + 16, threads: 1, sequences: 1 });
    const seq = ctx.getSequence();
    await seq.evaluateWithoutGeneratingNewTokens([1, 2, 3, 4] as never);
    let n = 0;
    const c0 = process.cpuUsage();
    for await (const _ of seq.evaluate([4] as never, { temperature: 0 })) if (++n >= gen) break;
    const c = process.cpuUsage(c0);
    per.push((c.user + c.system) / 1000 / gen);
    await ctx.dispose();
  }
  process.stdout.write(JSON.stringify({ cpuMs: median(per) }) + "\n");
  process.exit(0);
}

function cpuMs(path: string, llamaCpp = false): number {
  const flag = llamaCpp ? "--cpu-child-llama" : "--cpu-child";
  const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, flag, path, "--gen", values.gen!], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cpu child failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split("\n").pop()!) as { cpuMs: number }).cpuMs;
}

if (values["cpu-child"]) {
  cpuChild(values["cpu-child"]);
  process.exit(0);
}
if (values["cpu-child-llama"]) await cpuChildLlama(values["cpu-child-llama"]);

const here = new URL(".", import.meta.url).pathname;
const weft = `${here}infer/run-weft.js`, llamacpp = `${here}infer/run-llamacpp.js`;
const f = (x: number) => x.toFixed(1), M = (n: number) => `${(n / 1e6).toFixed(1)}M`;
const pm = parameterCounts(MODELS.moe!), pd = parameterCounts(MODELS.dense!);
console.log(`MoE: 8 experts top-2, ${M(pm.total)} total / ${M(pm.active)} active; dense: ${M(pd.total)} (equal active). ` +
  `prompt ${values.prompt}, gen ${values.gen}, weft ${threads} threads, llama.cpp best of 1 and 2 threads, median of ${runs}.`);
console.log(`| type | weft dense decode tok/s | weft MoE decode | MoE time / dense time (wall) | (CPU, 1 thread) | llama.cpp MoE decode | ` +
  `weft / llama.cpp decode (wall) | (CPU, 1 thread) | weft MoE prefill | llama.cpp MoE prefill | weft MoE RSS MB | llama.cpp RSS MB |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
for (const type of values.types!.split(",") as GgmlTypeName[]) {
  const moePath = modelFile("moe", type), densePath = modelFile("dense", type);
  const d = measure(weft, densePath, threads), w = measure(weft, moePath, threads);
  const moeCpu = cpuMs(moePath), cpu = moeCpu / cpuMs(densePath), vsLlama = cpuMs(moePath, true) / moeCpu;
  const l1 = measure(llamacpp, moePath, 1), l2 = measure(llamacpp, moePath, 2);
  const l = { prefill: Math.max(l1.prefill, l2.prefill), decode: Math.max(l1.decode, l2.decode), rssMb: Math.min(l1.rssMb, l2.rssMb) };
  console.log(`| ${type} | ${f(d.decode)} | ${f(w.decode)} | ${(d.decode / w.decode).toFixed(2)} | ${cpu.toFixed(2)} | ${f(l.decode)} | ` +
    `${(w.decode / l.decode).toFixed(2)} | ${vsLlama.toFixed(2)} | ${f(w.prefill)} | ${f(l.prefill)} | ${f(w.rssMb)} | ${f(l.rssMb)} |`);
}
