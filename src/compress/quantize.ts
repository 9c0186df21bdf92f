// Quantise a model's tensors by a recipe: round-to-nearest, importance-weighted (imatrix) or GPTQ on the
// calibration statistics; then write the GGUF. Returns a per-tensor report (type, fallback, method, bytes).
import type { GgmlTypeName } from "../dtype/ggml.js";
import { quantize } from "../dtype/quants/index.js";
import type { GgufTensorToWrite } from "../formats/gguf/index.js";
import type { ModelConfig } from "../models/config.js";
import type { NamedArray } from "../models/random.js";
import { tensorManifest } from "../models/manifest.js";
import { planTypes, type PlannedTensor, type Recipe } from "./recipes.js";
import type { Calibration } from "./imatrix.js";
import { gptqQuantize } from "./gptq.js";
import { hasGrid } from "./grid.js";
import { writeModelGguf, type SourceModel } from "./source.js";
import { FormatError } from "../util/errors.js";

export type QuantMethod = "rtn" | "imatrix" | "gptq";

export interface QuantizeOptions {
  recipe: Recipe;
  /** Statistics from calibration text; without them every tensor is rounded to nearest. */
  calibration?: Calibration | null;
  /** imatrix: importance-weighted scale search; gptq: that plus GPTQ error feedback (default when H was collected). */
  method?: QuantMethod;
  /** GPTQ damping as a fraction of mean(diag H) (default 0.1: with a few thousand calibration tokens it measured better
   *  than the paper's 0.01 on weft's small test models, see docs/experiments/compression.md). */
  damp?: number;
  onTensor?(done: number, total: number, name: string): void;
}

export interface TensorReport extends PlannedTensor {
  /** How the values were chosen ("plain" for F32/F16/BF16). */
  method: QuantMethod | "plain";
  bytes: number;
  /** Elements per row (K). */
  rowLength: number;
}

const PLAIN = new Set<GgmlTypeName>(["F32", "F16", "BF16"]);
export const DEFAULT_DAMP = 0.1;

function quantizeOne(p: PlannedTensor, t: NamedArray, o: QuantizeOptions): { data: Uint8Array; method: TensorReport["method"] } {
  const K = t.shape[t.shape.length - 1]!, N = t.data.length / K;
  if (PLAIN.has(p.type)) return { data: quantize(p.type, t.data, K), method: "plain" };
  const cal = o.calibration, method = o.method ?? (cal ? "gptq" : "rtn");
  const imp = method !== "rtn" ? cal?.importance(p.name) : undefined;
  // a tied token_embd is also the embedding table: moving its rounding error across columns (GPTQ) would serve the
  // output head at the lookups' expense, so it gets importance-weighted rounding only
  if (method === "gptq" && p.name !== "token_embd.weight" && cal?.hasHessian(p.name) && hasGrid(p.type)) {
    const U = cal.hessianFactor(p.name, o.damp ?? DEFAULT_DAMP);
    return { data: gptqQuantize(p.type, t.data, N, K, U, imp).bytes, method: "gptq" };
  }
  if (imp) return { data: quantize(p.type, t.data, K, imp), method: "imatrix" };
  return { data: quantize(p.type, t.data, K), method: "rtn" };
}

/** Every manifest tensor of `arrays` quantised by the recipe, in manifest order. */
export function quantizeArrays(config: ModelConfig, arrays: Map<string, NamedArray>, o: QuantizeOptions): { tensors: GgufTensorToWrite[]; report: TensorReport[] } {
  const specs = tensorManifest(config);
  const plan = planTypes(o.recipe, specs, config.nLayer);
  const tensors: GgufTensorToWrite[] = [], report: TensorReport[] = [];
  plan.forEach((p, i) => {
    const t = arrays.get(p.name);
    if (!t) throw new FormatError("quantize", `the model has no tensor '${p.name}'`);
    const { data, method } = quantizeOne(p, t, o);
    tensors.push({ name: p.name, shape: [...t.shape].reverse(), type: p.type, data });
    report.push({ ...p, method, bytes: data.byteLength, rowLength: t.shape[t.shape.length - 1]! });
    o.onTensor?.(i + 1, plan.length, p.name);
  });
  return { tensors, report };
}

/** Quantise a source model and write it to `out`. */
export function quantizeSource(src: SourceModel, out: string, o: QuantizeOptions): TensorReport[] {
  const { tensors, report } = quantizeArrays(src.config, src.arrays, o);
  writeModelGguf(out, src, src.config, tensors, o.recipe.fileType);
  return report;
}

/** One line per kind of fallback (row length, wanted type, written type) naming the tensors it hit. */
export function fallbackLines(report: readonly TensorReport[]): string[] {
  const groups = new Map<string, TensorReport[]>();
  for (const r of report.filter((x) => x.fallback)) {
    const key = `${r.rowLength}|${r.want}|${r.type}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const { rowLength, want, type } = g[0]!, names = g.map((r) => r.name);
    const list = names.length > 4 ? `${names.slice(0, 4).join(", ")}, ... (${names.length})` : names.join(", ");
    return `rows of ${rowLength} do not fit ${want} blocks of ${want.endsWith("_K") ? 256 : 32}; wrote ${type}: ${list}`;
  });
}
