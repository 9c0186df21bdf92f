// weft prune as a library call: calibrate when the method needs activations, prune (unstructured or structured),
// optionally recover with LoRA, then write the GGUF (the input's encoding, or a quantisation recipe).
import type { GgmlTypeName } from "../dtype/ggml.js";
import type { ModelConfig } from "../models/config.js";
import type { NamedArray } from "../models/random.js";
import { calibrateArrays, type Calibration } from "./imatrix.js";
import { pruneUnstructured, type UnstructuredMethod } from "./prune.js";
import { pruneStructured, type StructuredMethod } from "./prune-structured.js";
import { recoverWithLora } from "./recover.js";
import { quantizeArrays } from "./quantize.js";
import { recipeFor, type Recipe } from "./recipes.js";
import { writeModelGguf, type SourceModel } from "./source.js";
import { ArgumentError } from "../util/errors.js";

export type PruneMethod = UnstructuredMethod | StructuredMethod;
export const PRUNE_METHODS: readonly PruneMethod[] = ["magnitude", "wanda", "2:4", "heads", "ffn", "layers"];

export interface PruneOptions {
  method: PruneMethod;
  /** Fraction removed: weights per row (magnitude, wanda), heads, FFN neurons or layers; ignored by 2:4. */
  sparsity: number;
  /** Calibration text (needed by wanda and layers; improves heads/ffn ranking; the recovery data). */
  calibration?: string;
  /** Statistics already collected on this model (skips the calibration pass; must include block influence for layers). */
  calibrationStats?: Calibration;
  calibCtx?: number;
  calibChunks?: number;
  recoverSteps?: number;
  recoverLr?: number;
  recoverRank?: number;
  /** Output encoding (default: the input's matrix type). */
  recipe?: Recipe;
  onRecoverStep?(step: number, loss: number): void;
}

export interface PruneReport {
  method: PruneMethod;
  /** Zeroed fraction of the block projections (unstructured) or requested fraction of units (structured). */
  sparsity: number;
  before: Pick<ModelConfig, "nLayer" | "nHead" | "nHeadKv" | "ffnDim">;
  after: Pick<ModelConfig, "nLayer" | "nHead" | "nHeadKv" | "ffnDim">;
  paramsBefore: number;
  paramsAfter: number;
  /** Removed units per layer (structured). */
  removed: number[][];
  recoverLoss: { first: number; last: number } | null;
}

const dims = (c: ModelConfig) => ({ nLayer: c.nLayer, nHead: c.nHead, nHeadKv: c.nHeadKv, ffnDim: c.ffnDim });
const count = (a: Map<string, NamedArray>) => [...a.values()].reduce((n, t) => n + t.data.length, 0);

function defaultRecipe(src: SourceModel): Recipe {
  const t: GgmlTypeName = src.inputTypes.get("blk.0.ffn_up.weight") ?? "F32";
  return recipeFor(t === "F16" ? "f16" : t === "BF16" ? "bf16" : "f32");
}

/** Prune a source model and write the result to `out`. `src.arrays` is left untouched. */
export function pruneSource(src: SourceModel, out: string, o: PruneOptions): PruneReport {
  if (!PRUNE_METHODS.includes(o.method)) throw new ArgumentError("prune", `--method must be one of ${PRUNE_METHODS.join(", ")}, not '${o.method}'`);
  const needsCal = o.method === "wanda" || o.method === "layers";
  if (needsCal && !o.calibration && !o.calibrationStats) throw new ArgumentError("prune", `${o.method} needs calibration text (--calibration FILE)`);
  if ((o.recoverSteps ?? 0) > 0 && !o.calibration) throw new ArgumentError("prune", "recovery training needs calibration text (--calibration FILE)");
  if (o.calibration && !src.tokenizer) throw new ArgumentError("prune", "the model has no tokenizer, so calibration text cannot be tokenised");
  const arrays = new Map([...src.arrays].map(([k, t]) => [k, { shape: [...t.shape], data: t.data.slice() }]));
  let cal: Calibration | null = null;
  if (o.calibrationStats && o.method !== "magnitude") cal = o.calibrationStats;
  else if (o.calibration && o.method !== "magnitude") {
    cal = calibrateArrays(src.config, arrays, src.tokenizer!, o.calibration, {
      ctx: o.calibCtx, chunks: o.calibChunks, hessian: false, blocks: o.method === "layers",
    });
  }
  let config = src.config, pruned: Map<string, NamedArray> = arrays, masks: Map<string, Uint8Array> | undefined, removed: number[][] = [], sparsity = o.sparsity;
  if (o.method === "magnitude" || o.method === "wanda" || o.method === "2:4") {
    const r = pruneUnstructured(arrays, o.method, o.sparsity, cal);
    masks = r.masks;
    sparsity = r.sparsity;
  } else {
    const r = pruneStructured(config, arrays, o.method, o.sparsity, cal);
    ({ config, arrays: pruned, removed } = r);
  }
  let recoverLoss: PruneReport["recoverLoss"] = null;
  if ((o.recoverSteps ?? 0) > 0) {
    const m = recoverWithLora(config, pruned, src.tokenizer!, o.calibration!, {
      steps: o.recoverSteps!, lr: o.recoverLr, rank: o.recoverRank, masks, onStep: (s) => o.onRecoverStep?.(s.step, s.loss),
    });
    recoverLoss = { first: m[0]!.loss, last: m[m.length - 1]!.loss };
  }
  const recipe = o.recipe ?? defaultRecipe(src);
  const { tensors } = quantizeArrays(config, pruned, { recipe, method: "rtn" });
  writeModelGguf(out, src, config, tensors, recipe.fileType);
  return { method: o.method, sparsity, before: dims(src.config), after: dims(config), paramsBefore: count(src.arrays), paramsAfter: count(pruned), removed, recoverLoss };
}
