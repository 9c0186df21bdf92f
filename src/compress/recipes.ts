// Quantisation recipes as data: a base type for matrices plus per-tensor rules (llama.cpp's _M mixes), the
// fallback chain for rows that do not fit a type's blocks, and the plan that assigns every tensor its type.
import { ggmlType, type GgmlTypeName } from "../dtype/ggml.js";
import type { TensorSpec } from "../models/manifest.js";
import { ArgumentError } from "../util/errors.js";

/** Which layers a rule applies to: all, or llama.cpp's use_more_bits set (first and last eighth, every third between). */
export type LayerSet = "all" | "more-bits";

export interface TensorRule {
  /** Tensor role: the GGUF name without `blk.N.` and `.weight` ("attn_v", "ffn_down", "output", "token_embd").
   *  "output" also matches a tied token_embd (it is the output head then), as in llama.cpp. */
  tensor: string;
  type: GgmlTypeName;
  layers?: LayerSet;
}

export interface Recipe {
  /** CLI name (q4_k_m). */
  name: string;
  /** Type of every matrix no rule names. */
  base: GgmlTypeName;
  /** general.file_type (llama_ftype) written to the file. */
  fileType: number;
  rules: readonly TensorRule[];
}

const MORE_BITS_Q6: readonly TensorRule[] = [
  { tensor: "output", type: "Q6_K" },
  { tensor: "attn_v", type: "Q6_K", layers: "more-bits" },
  { tensor: "ffn_down", type: "Q6_K", layers: "more-bits" },
];

/** Every recipe `weft quantize --type` accepts. Plain types quantise every matrix at that type (so a table of
 *  types shows each type's own cost); the _m mixes keep output, and attn_v/ffn_down of the use_more_bits layers,
 *  at Q6_K as llama-quantize's Q4_K_M and Q5_K_M do. */
export const RECIPES: Readonly<Record<string, Recipe>> = Object.fromEntries(([
  ["f32", "F32", 0], ["f16", "F16", 1], ["bf16", "BF16", 32],
  ["q8_0", "Q8_0", 7], ["q4_0", "Q4_0", 2], ["q4_1", "Q4_1", 3], ["q5_0", "Q5_0", 8], ["q5_1", "Q5_1", 9],
  ["q2_k", "Q2_K", 10], ["q3_k", "Q3_K", 12], ["q4_k", "Q4_K", 14], ["q5_k", "Q5_K", 16], ["q6_k", "Q6_K", 18],
] as const).map(([name, base, fileType]) => [name, { name, base, fileType, rules: [] }] as [string, Recipe]).concat([
  ["q4_k_m", { name: "q4_k_m", base: "Q4_K", fileType: 15, rules: MORE_BITS_Q6 }],
  ["q5_k_m", { name: "q5_k_m", base: "Q5_K", fileType: 17, rules: MORE_BITS_Q6 }],
]));

/** The recipe for a --type value (case-insensitive). */
export function recipeFor(name: string): Recipe {
  const r = RECIPES[name.toLowerCase()];
  if (!r) throw new ArgumentError("quantize", `unknown type '${name}' (known: ${Object.keys(RECIPES).join(", ")})`);
  return r;
}

/** Where a type goes when a row length is not a multiple of its block (llama.cpp's tensor_type_fallback; it sends
 *  Q2_K/Q3_K to IQ4_NL, which weft does not write, so they take Q4_0, the 4.5-bit legacy type). */
export const FALLBACK: Readonly<Partial<Record<GgmlTypeName, GgmlTypeName>>> = {
  Q2_K: "Q4_0", Q3_K: "Q4_0", Q4_K: "Q5_0", Q5_K: "Q5_1", Q6_K: "Q8_0",
};

/** `want`, or its fallback when K is not a multiple of its block, or F16 when neither fits. */
export function fitType(want: GgmlTypeName, K: number): GgmlTypeName {
  if (K % ggmlType(want).blockSize === 0) return want;
  const next = FALLBACK[want];
  if (next && K % ggmlType(next).blockSize === 0) return next;
  return "F16";
}

/** llama.cpp's use_more_bits(i_layer, n_layers). */
export function useMoreBits(i: number, n: number): boolean {
  const e = Math.floor(n / 8);
  return i < e || i >= Math.floor((7 * n) / 8) || (i - e) % 3 === 2;
}

export interface PlannedTensor {
  name: string;
  /** The type the recipe asks for (before fitting the row length). */
  want: GgmlTypeName;
  /** The type written. */
  type: GgmlTypeName;
  fallback: boolean;
}

/** Role and layer of a GGUF tensor name. */
export function tensorRole(name: string): { role: string; layer: number } {
  const m = /^blk\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
  if (m) return { role: m[2]!, layer: Number(m[1]) };
  return { role: name.replace(/\.(weight|bias)$/, ""), layer: -1 };
}

function ruleType(recipe: Recipe, role: string, layer: number, nLayer: number, tiedEmbd: boolean): GgmlTypeName | null {
  for (const r of recipe.rules) {
    const roleOk = r.tensor === role || (r.tensor === "output" && tiedEmbd && role === "token_embd");
    if (!roleOk) continue;
    if ((r.layers ?? "all") === "more-bits" && !(layer >= 0 && useMoreBits(layer, nLayer))) continue;
    return r.type;
  }
  return null;
}

/** The type of every tensor: 1-D tensors (and MoE routers) stay F32, matrices follow the recipe, then fitType. */
export function planTypes(recipe: Recipe, specs: readonly TensorSpec[], nLayer: number): PlannedTensor[] {
  const tied = !specs.some((s) => s.name === "output.weight");
  return specs.map((s) => {
    // MoE routers stay F32 as llama-quantize leaves them: expert choice is sensitive to their rounding
    if (s.shape.length < 2 || s.name.includes("ffn_gate_inp")) return { name: s.name, want: "F32", type: "F32", fallback: false };
    const { role, layer } = tensorRole(s.name);
    const want = ruleType(recipe, role, layer, nLayer, tied) ?? recipe.base;
    const type = fitType(want, s.shape[s.shape.length - 1]!);
    return { name: s.name, want, type, fallback: type !== want };
  });
}
