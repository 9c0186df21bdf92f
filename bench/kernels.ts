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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Stream and matvec measured in interleaved rounds (a shared machine's load hits both alike); medians. */
function bandwidthTable(): void {
  const bytes = quick ? 128 << 20 : 512 << 20;
  const [N, K] = quick ? [4096, 4096] : [16384, 4096];
  const rounds = quick ? 2 : 5;
  const types = ["F32", "F16", "BF16"] as const;
  const gb = new Map<string, number[]>(), pct = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  for (let r = 0; r < rounds; r++)
    for (const t of THREADS) {
      const s = benchStream(bytes, t).gbps;
      push(gb, `stream ${t}`, s);
      for (const type of types) {
        const v = benchMatvec(type, N, K, t).gbps;
        push(gb, `${type} ${t}`, v);
        push(pct, `${type} ${t}`, (100 * v) / s);
      }
    }
  out(`\n## matrix-vector out[N] = W[N,K] x (decode, M = 1), N=${N} K=${K}: GB/s of weights read\n`);
  out(`Medians of ${rounds} interleaved rounds; % is the median of per-round ratios to the stream read of the same round.\n`);
  out(`| kernel | threads | GB/s | % of stream |`);
  out(`|---|---|---|---|`);
  for (const t of THREADS)
    out(`| stream read (sum of ${bytes >> 20} MB) | ${t} | ${fmt(median(gb.get(`stream ${t}`)!))} | 100 |`,
      { kind: "stream", bytes, threads: t, gbps: median(gb.get(`stream ${t}`)!) });
  for (const type of types)
    for (const t of THREADS) {
      const k = `${type} ${t}`;
      out(`| matvec ${type} weights | ${t} | ${fmt(median(gb.get(k)!))} | ${fmt(median(pct.get(k)!), 0)} |`,
        { kind: "matvec", type, N, K, threads: t, gbps: median(gb.get(k)!), pctOfStream: median(pct.get(k)!) });
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
