// npm run bench:infer: weft vs llama.cpp (same process layout, same file, same run) on random-weight llama shapes.
// Flags: --shapes 15M,110M[,1.1B] --types F16,Q8_0,Q4_0,Q4_K --runs 3 --threads 2 --prompt 128 --gen 128
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { modelFile } from "./infer/shapes.js";
import type { GgmlTypeName } from "../src/dtype/ggml.js";

interface Run { prefill: number; decode: number; rssMb: number }

const { values } = parseArgs({ options: {
  shapes: { type: "string", default: "15M,110M" }, types: { type: "string", default: "F16,Q8_0,Q4_0,Q4_K" },
  runs: { type: "string", default: "3" }, threads: { type: "string", default: "2" },
  prompt: { type: "string", default: "128" }, gen: { type: "string", default: "128" },
} });
const runs = Number(values.runs), threads = Number(values.threads);

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

const here = new URL(".", import.meta.url).pathname;
console.log(`| shape | type | weft prefill tok/s | llama.cpp prefill | ratio | weft decode tok/s | llama.cpp decode | ratio | weft RSS MB | llama.cpp RSS MB | ratio |`);
console.log(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
for (const shape of values.shapes!.split(",")) {
  for (const type of values.types!.split(",") as GgmlTypeName[]) {
    const path = modelFile(shape, type);
    const w = measure(`${here}infer/run-weft.js`, path, threads);
    // llama.cpp's best of 1 and 2 threads (DESIGN.md: compare against the anchor's best setting)
    const l1 = measure(`${here}infer/run-llamacpp.js`, path, 1), l2 = measure(`${here}infer/run-llamacpp.js`, path, 2);
    const l = { prefill: Math.max(l1.prefill, l2.prefill), decode: Math.max(l1.decode, l2.decode), rssMb: Math.min(l1.rssMb, l2.rssMb) };
    const f = (x: number) => x.toFixed(1);
    console.log(`| ${shape} | ${type} | ${f(w.prefill)} | ${f(l.prefill)} | ${(w.prefill / l.prefill).toFixed(2)} | ${f(w.decode)} | ${f(l.decode)} | ` +
      `${(w.decode / l.decode).toFixed(2)} | ${f(w.rssMb)} | ${f(l.rssMb)} | ${(w.rssMb / l.rssMb).toFixed(2)} |`);
  }
}
