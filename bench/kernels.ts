// Kernel benchmarks (npm run bench:kernels): native f32 matmul vs OpenBLAS (or numpy) measured in the same run,
// square sizes and LLM shapes on 1 and 2 threads; matrix-vector GB/s for F32/F16/BF16 weights vs a streaming-read
// bandwidth measured by the same script. Flags: --quick (smaller sizes), --anchor numpy, --json (JSON lines).
import { execSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { benchMatmul, benchMatvec, benchStream, requireNative } from "../src/backend/native/bench.js";
import { numpyAnchor, openblasAnchor, type Anchor, type AnchorResult } from "./harness/anchors.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const json = args.includes("--json");
const THREADS = [1, 2];

function out(line: string, record?: object): void {
  if (json && record) process.stdout.write(JSON.stringify(record) + "\n");
  else if (!json) process.stdout.write(line + "\n");
}

function machine(): string {
  let model = cpus()[0]?.model ?? "?";
  try {
    const m = /Model name:\s*(.+)/.exec(execSync("lscpu", { encoding: "utf8" }));
    if (m) model = m[1]!.trim();
  } catch { /* lscpu missing: keep os.cpus() */ }
  return `${model}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`;
}

function pickAnchor(notes: string[]): Anchor | null {
  if (args.includes("--anchor") && args[args.indexOf("--anchor") + 1] === "numpy") return numpyAnchor(notes);
  return openblasAnchor(notes) ?? numpyAnchor(notes);
}

const fmt = (x: number | undefined, d = 1) => (x === undefined ? "-" : x.toFixed(d));

function matmulTable(anchor: Anchor | null): void {
  const squares = quick ? [256, 512, 1024] : [256, 512, 1024, 2048, 4096];
  const shapes: [string, number, number, number][] = squares.map((n) => [`${n}^3`, n, n, n]);
  for (const C of quick ? [768] : [768, 2048]) {
    shapes.push([`1x${C} . ${C}x${C}`, 1, C, C]);
    shapes.push([`512x${C} . ${C}x${4 * C}`, 512, 4 * C, C]);
  }
  const an = anchor?.name ?? "anchor";
  out(`\n## f32 matmul C[M,N] = A[M,K] B[K,N] (GFLOP/s, median)\n`);
  out(`| shape (M x K . K x N) | threads | weft | ${an} | weft / ${an} |`);
  out(`|---|---|---|---|---|`);
  const best = new Map<string, { w: number; a: number }>();
  for (const [name, M, N, K] of shapes) {
    for (const t of THREADS) {
      const w = benchMatmul(M, N, K, t);
      const a: AnchorResult | null = anchor ? anchor.matmul(M, N, K, t) : null;
      const ratio = a ? w.gflops / a.gflops : undefined;
      out(`| ${name} | ${t} | ${fmt(w.gflops)} | ${fmt(a?.gflops)} | ${fmt(ratio, 2)} |`,
        { kind: "matmul", shape: name, M, N, K, threads: t, weft: w.gflops, weftMs: w.ms, anchor: an, anchorGflops: a?.gflops,
          anchorCore: a?.core, ratio });
      const b = best.get(name) ?? { w: 0, a: 0 };
      best.set(name, { w: Math.max(b.w, w.gflops), a: Math.max(b.a, a?.gflops ?? 0) });
    }
  }
  out(`\nBest of 1 and 2 threads on each side: ` +
    [...best].map(([n, b]) => `${n} ${b.a ? (b.w / b.a).toFixed(2) : "-"}`).join(", "));
}

function bandwidthTable(): void {
  const bytes = quick ? 128 << 20 : 512 << 20;
  const [N, K] = quick ? [4096, 4096] : [16384, 4096];
  out(`\n## matrix-vector out[N] = W[N,K] x (decode, M = 1), N=${N} K=${K} (GB/s of weights read, median)\n`);
  out(`| kernel | threads | GB/s | % of stream |`);
  out(`|---|---|---|---|`);
  const stream = new Map<number, number>();
  for (const t of THREADS) {
    const s = benchStream(bytes, t);
    stream.set(t, s.gbps);
    out(`| stream read (sum of ${bytes >> 20} MB) | ${t} | ${fmt(s.gbps)} | 100 |`,
      { kind: "stream", bytes, threads: t, gbps: s.gbps });
  }
  for (const type of ["F32", "F16", "BF16"] as const) {
    for (const t of THREADS) {
      const r = benchMatvec(type, N, K, t);
      const pct = (100 * r.gbps) / stream.get(t)!;
      out(`| matvec ${type} weights | ${t} | ${fmt(r.gbps)} | ${fmt(pct, 0)} |`,
        { kind: "matvec", type, N, K, threads: t, gbps: r.gbps, ms: r.ms, pctOfStream: pct });
    }
  }
}

const native = requireNative("bench:kernels");
out(`# weft kernel benchmarks\n\nmachine: ${machine()}\nweft native: ${native.simd}`);
const notes: string[] = [];
const anchor = pickAnchor(notes);
for (const n of notes) out(`note: ${n}`);
if (anchor) {
  const probe = anchor.matmul(64, 64, 64, 1);
  out(`anchor: ${anchor.name} (${probe?.core ?? "?"}), OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for the anchor only`);
} else out("anchor: none (its columns are empty)");
matmulTable(anchor);
bandwidthTable();
out(`\nload after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
