// weft bench: kernel micro-benchmarks. `weft bench matmul --m M --n N --k K [--threads T] [--json]` times the
// native f32 matmul (warm-up, then the median of several runs) and prints {"gflops": ..., "ms": ...}.
import { threadsFromEnv } from "../../util/env.js";
import { ArgumentError } from "../../util/errors.js";
import { benchMatmul, requireNative } from "../../backend/native/bench.js";
import { numberFlag, parseFlags, type Flags } from "../args.js";

const FLAGS: Flags = {
  m: { type: "string", help: "rows of A and C" },
  n: { type: "string", help: "columns of B and C" },
  k: { type: "string", help: "inner dimension" },
  threads: { type: "string", help: "native threads (default WEFT_THREADS or all cores)" },
  json: { type: "boolean", help: "print only the JSON result on stdout" },
};

export async function run(argv: string[]): Promise<number> {
  const [kernel, ...rest] = argv;
  if (kernel !== "matmul") {
    if (kernel === undefined || kernel === "--help" || kernel === "-h") {
      process.stdout.write("usage: weft bench matmul --m M --n N --k K [--threads T] [--json]\n");
      return kernel === undefined ? 1 : 0;
    }
    throw new ArgumentError("bench", `unknown benchmark '${kernel}' (available: matmul)`);
  }
  const p = parseFlags("bench matmul", rest, FLAGS, "--m M --n N --k K [--threads T] [--json]");
  if (!p) return 0;
  const dim = (name: string): number => {
    const v = numberFlag("bench", p, name, { min: 1, max: 65536, integer: true });
    if (v === undefined) throw new ArgumentError("bench", `--${name} is required`);
    return v;
  };
  const M = dim("m"), N = dim("n"), K = dim("k");
  if (M * K + K * N + M * N > 2 ** 30) throw new ArgumentError("bench", `matrices of ${M}x${N}x${K} exceed 4 GiB`);
  const threads = numberFlag("bench", p, "threads", { min: 1, max: 1024, integer: true }) ?? threadsFromEnv();
  const simd = requireNative("bench").simd;
  const r = benchMatmul(M, N, K, threads);
  const result = { gflops: Number(r.gflops.toFixed(2)), ms: Number(r.ms.toFixed(4)) };
  if (p.values.json !== true) {
    process.stderr.write(`matmul ${M}x${N}x${K} f32, ${threads} thread(s), ${simd}: median of ${r.reps} runs\n`);
  }
  process.stdout.write(JSON.stringify(result) + "\n");
  return 0;
}
