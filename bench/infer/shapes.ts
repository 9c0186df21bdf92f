// The benchmark model shapes of the GGUF issue, and building their random-weight GGUF files once.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { llamaConfig, type ModelConfig } from "../../src/models/config.js";
import { randomWeights } from "../../src/models/random.js";
import { exportGguf } from "../../src/compress/export-gguf.js";
import type { GgmlTypeName } from "../../src/dtype/ggml.js";

export const SHAPES: Record<string, ModelConfig> = {
  "15M": llamaConfig({ vocabSize: 32000, dim: 288, nLayer: 6, nHead: 6, ffnDim: 768, contextLength: 512 }),
  "110M": llamaConfig({ vocabSize: 32000, dim: 768, nLayer: 12, nHead: 12, ffnDim: 2048, contextLength: 512 }),
  "1.1B": llamaConfig({ vocabSize: 32000, dim: 2048, nLayer: 22, nHead: 32, nHeadKv: 4, ffnDim: 5632, contextLength: 512 }),
};

export function benchDir(): string {
  const d = process.env.WEFT_BENCH_DIR ?? join(tmpdir(), "weft-bench");
  mkdirSync(d, { recursive: true });
  return d;
}

/** Path of the shape's GGUF in `type`, written on first use (random weights, seed 1). */
export function modelFile(shape: string, type: GgmlTypeName): string {
  const path = join(benchDir(), `llama-${shape}-${type}.gguf`);
  if (!existsSync(path)) {
    const cfg = SHAPES[shape]!;
    process.stderr.write(`writing ${path} ...\n`);
    exportGguf(path, cfg, randomWeights(cfg, 1), { type, name: `bench-${shape}` });
  }
  return path;
}
