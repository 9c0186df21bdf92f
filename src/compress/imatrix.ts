// Calibration statistics of every projection, collected by wrapping each one (a module swap) and running the model
// over calibration text: the importance matrix (mean squared activation per input column, as llama.cpp's imatrix)
// and, for GPTQ, the second moment H = Σ x xᵀ of the inputs.
import { readFileSync } from "node:fs";
import { Module } from "../nn/module.js";
import type { LinearLike } from "../nn/linear-like.js";
import { projectionSlots } from "../nn/swap.js";
import type { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { kernels } from "../backend/registry.js";
import type { LanguageModel, ModelConfig } from "../models/config.js";
import type { NamedArray } from "../models/random.js";
import type { Tokenizer } from "../tokenizers/index.js";
import { ArgumentError, ValueError } from "../util/errors.js";
import { inverseCholeskyUpper } from "./linalg.js";
import { namedModel } from "./source.js";

/** Statistics of one projection's inputs. */
export interface LinearStats {
  K: number;
  /** Rows (tokens) seen. */
  count: number;
  /** Σ x² per input column. */
  sumSq: Float64Array;
  /** Σ x xᵀ [K, K] (only when collected for GPTQ). */
  H: Float32Array | null;
}

/** Statistics by GGUF weight name ("blk.0.attn_q.weight"). */
export class Calibration {
  private readonly factors = new Map<string, Float64Array>();

  /** @param blockInfluence per block, 1 − mean cos(input, output) of its hidden states (ShortGPT's BI), when collected */
  constructor(readonly stats: Map<string, LinearStats>, readonly tokens: number, readonly blockInfluence: Float64Array | null = null) {}

  has(name: string): boolean {
    return this.stats.has(name);
  }

  /** Mean squared activation per input column (the imatrix row of this weight), or undefined. */
  importance(name: string): Float32Array | undefined {
    const s = this.stats.get(name);
    if (!s || s.count === 0) return undefined;
    return Float32Array.from(s.sumSq, (v) => v / s.count);
  }

  hasHessian(name: string): boolean {
    return this.stats.get(name)?.H != null;
  }

  /** Upper Cholesky factor of the damped H⁻¹ (cached: every quantisation type of a run shares it). */
  hessianFactor(name: string, damp: number): Float64Array {
    const key = `${name}@${damp}`;
    let f = this.factors.get(key);
    if (!f) {
      const s = this.stats.get(name);
      if (!s?.H) throw new ValueError("gptq", `no input statistics (H) were collected for ${name}`);
      f = inverseCholeskyUpper(Float64Array.from(s.H), s.K, damp);
      this.factors.set(key, f);
    }
    return f;
  }
}

/** A projection that records its inputs' statistics, then runs the wrapped layer. */
class RecordingLinear extends Module implements LinearLike {
  constructor(readonly base: LinearLike, readonly stats: LinearStats) {
    super();
  }

  get inFeatures(): number {
    return this.base.inFeatures;
  }

  get outFeatures(): number {
    return this.base.outFeatures;
  }

  forward(x: Tensor): Tensor {
    const s = this.stats, K = s.K, xd = x.f32(), M = xd.length / K;
    for (let r = 0; r < M; r++) {
      const o = r * K;
      for (let k = 0; k < K; k++) s.sumSq[k] += xd[o + k]! * xd[o + k]!;
    }
    s.count += M;
    if (s.H) {
      kernels().matmul(xd, xd, s.H, {
        batch: 1, M: K, N: K, K: M, transA: true, transB: false, strideA: 0, strideB: 0, strideC: 0, accumulate: true,
      });
    }
    return this.base.forward(x);
  }
}

/** Token chunks of `ctx` for calibration: the text's tokens cut in order, each chunk starting with BOS (as
 *  llama.cpp's imatrix does); at most maxChunks. */
export function calibrationChunks(tok: Tokenizer, text: string, ctx: number, maxChunks: number): Int32Array[] {
  if (!Number.isInteger(ctx) || ctx < 2) throw new ArgumentError("calibration", `context must be an integer >= 2 but is ${ctx}`);
  const ids = tok.encode(text, { addBos: false });
  const step = tok.bos !== null ? ctx - 1 : ctx, out: Int32Array[] = [];
  for (let s = 0; s + step <= ids.length && out.length < maxChunks; s += step) {
    const c = new Int32Array(ctx);
    if (tok.bos !== null) c[0] = tok.bos;
    c.set(ids.slice(s, s + step), ctx - step);
    out.push(c);
  }
  if (out.length === 0) throw new ValueError("calibration", `the calibration text has ${ids.length} tokens; one chunk needs ${step}`);
  return out;
}

export function readCalibrationText(path: string): string {
  const text = readFileSync(path, "utf8");
  if (text.trim() === "") throw new ValueError("calibration", `${path} is empty`);
  return text;
}

export interface CollectOptions {
  /** Also collect H = Σ x xᵀ (needed by GPTQ; K² floats per projection). */
  hessian: boolean;
  /** Also measure each block's influence (for layer pruning). */
  blocks?: boolean;
  onChunk?(i: number, n: number): void;
}

type BlockForward = (x: Tensor, ...rest: unknown[]) => Tensor;

/** Wrap each block's forward to accumulate Σ (1 − cos(x_in, x_out)) over token rows into `bi` (undo() restores). */
function watchBlocks(model: Module, bi: Float64Array, rows: { n: number }): () => void {
  const blocks = (model as unknown as { blocks?: { forward: BlockForward }[] }).blocks ?? [];
  const originals = blocks.map((b) => b.forward);
  blocks.forEach((b, i) => {
    b.forward = (x: Tensor, ...rest: unknown[]) => {
      const y = originals[i]!.call(b, x, ...rest), xs = x.f32(), ys = y.f32(), C = x.shape[x.rank - 1]!;
      for (let r = 0; r < xs.length / C; r++) {
        let dot = 0, nx = 0, ny = 0;
        for (let c = r * C; c < (r + 1) * C; c++) {
          dot += xs[c]! * ys[c]!;
          nx += xs[c]! * xs[c]!;
          ny += ys[c]! * ys[c]!;
        }
        bi[i] += 1 - dot / Math.sqrt(nx * ny || 1);
        if (i === 0) rows.n++;
      }
      return y;
    };
  });
  return () => blocks.forEach((b, i) => { b.forward = originals[i]!; });
}

/** Run the model over the chunks with every named projection wrapped; the wrappers are removed afterwards. */
export function collectCalibration(model: LanguageModel & Module, names: Map<LinearLike, string>, chunks: readonly Int32Array[],
  o: CollectOptions): Calibration {
  const stats = new Map<string, LinearStats>();
  const swapped: { parent: Record<string, unknown>; key: string; layer: LinearLike }[] = [];
  for (const s of projectionSlots(model)) {
    const name = names.get(s.layer);
    if (!name) continue;
    const K = s.layer.inFeatures;
    const st = stats.get(name) ?? { K, count: 0, sumSq: new Float64Array(K), H: o.hessian ? new Float32Array(K * K) : null };
    stats.set(name, st);
    s.parent[s.key] = new RecordingLinear(s.layer, st);
    swapped.push(s);
  }
  const nBlocks = (model as unknown as { blocks?: unknown[] }).blocks?.length ?? 0;
  const bi = o.blocks ? new Float64Array(nBlocks) : null, rows = { n: 0 };
  const unwatch = bi ? watchBlocks(model, bi, rows) : () => {};
  try {
    chunks.forEach((c, i) => {
      noGrad(() => model.forward(c, null, { allLogits: false }));
      o.onChunk?.(i + 1, chunks.length);
    });
  } finally {
    unwatch();
    for (const s of swapped) s.parent[s.key] = s.layer;
  }
  if (bi) for (let i = 0; i < bi.length; i++) bi[i] = bi[i]! / Math.max(1, rows.n);
  return new Calibration(stats, chunks.reduce((n, c) => n + c.length, 0), bi);
}

export interface CalibrateOptions {
  /** Tokens per chunk (default 256). */
  ctx?: number;
  /** At most this many chunks (default 64). */
  chunks?: number;
  hessian: boolean;
  blocks?: boolean;
  onChunk?(i: number, n: number): void;
}

/** Calibration statistics of a model (f32 arrays by GGUF name) over a text, tokenised by `tok`. */
export function calibrateArrays(config: ModelConfig, arrays: Map<string, NamedArray>, tok: Tokenizer, text: string,
  o: CalibrateOptions): Calibration {
  const chunks = calibrationChunks(tok, text, Math.min(o.ctx ?? 256, config.contextLength), o.chunks ?? 64);
  const { model, names } = namedModel(config, arrays);
  return collectCalibration(model, names, chunks, { hessian: o.hessian, blocks: o.blocks, onChunk: o.onChunk });
}
