// Environment flags read in one place: WEFT_BACKEND, WEFT_THREADS, WEFT_HOME, WEFT_LOG.
import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import { ArgumentError } from "./errors.js";

export type BackendName = "ref" | "native";

/** WEFT_BACKEND: "ref" forces the TypeScript kernels; "native" (default) uses the addon where loaded. */
export function backendFromEnv(): BackendName {
  const v = (process.env.WEFT_BACKEND ?? "native").trim().toLowerCase();
  if (v !== "ref" && v !== "native") {
    throw new ArgumentError("env", `WEFT_BACKEND must be 'ref' or 'native' but is '${v}'`);
  }
  return v;
}

/** WEFT_THREADS: worker threads for native kernels; default all cores. */
export function threadsFromEnv(): number {
  const raw = process.env.WEFT_THREADS;
  if (raw === undefined || raw === "") return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new ArgumentError("env", `WEFT_THREADS must be an integer in [1, 1024] but is '${raw}'`);
  }
  return n;
}

/** WEFT_HOME: model cache folder, default ~/.cache/weft. */
export function weftHome(): string {
  return process.env.WEFT_HOME ?? join(homedir(), ".cache", "weft");
}
