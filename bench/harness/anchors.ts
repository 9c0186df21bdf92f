// Matmul anchors for bench/kernels.ts, measured in the same run: OpenBLAS sgemm through a tiny C harness
// compiled at bench time (cc -O2 ... -lopenblas), else numpy's BLAS through python3 -c, else none.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface AnchorResult {
  gflops: number;
  ms: number;
  /** The BLAS kernel family the library picked (OpenBLAS core name or numpy's BLAS info). */
  core: string;
}

export interface Anchor {
  name: string;
  matmul(M: number, N: number, K: number, threads: number): AnchorResult | null;
}

/** Repository root (this file compiles to dist/bench/harness/anchors.js). */
const repoRoot = resolve(fileURLToPath(import.meta.url), "../../../..");

/** The child environment: BLAS threads set; OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE dropped together (this
 *  machine's env may pin an older core type that slows a current OpenBLAS; tests and CI keep them). */
function blasEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Runs to spend ~1.5 s at ~100 GFLOP/s, 3..25 of them. */
function repsFor(M: number, N: number, K: number): number {
  const estMs = (2 * M * N * K) / 1e8;
  return Math.max(3, Math.min(25, Math.round(1500 / Math.max(estMs, 1e-3))));
}

function parseLine(stdout: string): AnchorResult | null {
  try {
    const j = JSON.parse(stdout.trim().split("\n").pop() ?? "") as AnchorResult;
    return Number.isFinite(j.gflops) ? j : null;
  } catch {
    return null;
  }
}

/** OpenBLAS via bench/harness/openblas-sgemm.c, or null (with the reason in `why`) when it cannot be built. */
export function openblasAnchor(why: string[]): Anchor | null {
  const src = join(repoRoot, "bench", "harness", "openblas-sgemm.c");
  const exe = join(mkdtempSync(join(tmpdir(), "weft-bench-")), "openblas-sgemm");
  const cc = spawnSync(process.env.CC || "cc", ["-O2", "-o", exe, src, "-lopenblas"], { encoding: "utf8" });
  if (cc.status !== 0 || !existsSync(exe)) {
    why.push(`OpenBLAS harness did not build (install Debian's libopenblas-dev): ${(cc.stderr || cc.error?.message || "").trim().split("\n")[0]}`);
    return null;
  }
  return {
    name: "OpenBLAS",
    matmul(M, N, K, threads) {
      const r = spawnSync(exe, [String(M), String(N), String(K), String(repsFor(M, N, K))],
        { encoding: "utf8", env: blasEnv(threads) });
      return r.status === 0 ? parseLine(r.stdout) : null;
    },
  };
}

const NUMPY = `
import json, sys, time
import numpy as np
M, N, K, reps = map(int, sys.argv[1:5])
rng = np.random.default_rng(1)
a = rng.random((M, K), dtype=np.float32) - 0.5
b = rng.random((K, N), dtype=np.float32) - 0.5
a @ b
ts = []
for _ in range(reps):
    t0 = time.perf_counter(); a @ b; ts.append((time.perf_counter() - t0) * 1e3)
ms = sorted(ts)[reps // 2]
core = "numpy"
try:
    import threadpoolctl
    info = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    core = "numpy/" + (info[0].get("internal_api", "?") + " " + str(info[0].get("architecture")) if info else "?")
except Exception:
    pass
print(json.dumps({"gflops": 2 * M * N * K / (ms * 1e6), "ms": ms, "core": core}))
`;

/** numpy (its bundled OpenBLAS) via python3 -c, or null when python3 or numpy is missing. */
export function numpyAnchor(why: string[]): Anchor | null {
  const probe = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
  if (probe.status !== 0) {
    why.push("numpy anchor unavailable (python3 with numpy not found)");
    return null;
  }
  return {
    name: "numpy",
    matmul(M, N, K, threads) {
      const r = spawnSync("python3", ["-c", NUMPY, String(M), String(N), String(K), String(repsFor(M, N, K))],
        { encoding: "utf8", env: blasEnv(threads) });
      return r.status === 0 ? parseLine(r.stdout) : null;
    },
  };
}
