// Sentence embeddings from a causal LM: the final normalised hidden states of every token, mean-pooled, L2-normalised.
import { fromArray, type Tensor } from "../core/tensor.js";
import { add } from "../core/ops/binary.js";
import { layerNorm, rmsNorm } from "../core/ops/norm.js";
import { noGrad } from "../core/autograd.js";
import type { LanguageModel } from "../models/config.js";
import { LlamaModel } from "../models/llama.js";
import { Gpt2Model } from "../models/gpt2.js";
import { UnsupportedError, ValueError } from "../util/errors.js";

/** Hidden states [1, T, C] after the final norm, without running the output head. */
function hiddenStates(model: LanguageModel, ids: Int32Array): Tensor {
  const tokens = fromArray(ids, [1, ids.length]);
  if (model instanceof LlamaModel) {
    let x = model.tokEmbd.forward(tokens);
    for (const b of model.blocks) x = b.forward(x, 0, null);
    return rmsNorm(x, model.outputNorm, model.config.normEps);
  }
  if (model instanceof Gpt2Model) {
    const pos = fromArray(Int32Array.from(ids, (_, i) => i), [1, ids.length]);
    let x = add(model.tokEmbd.forward(tokens), model.posEmbd.forward(pos));
    for (const b of model.blocks) x = b.forward(x, 0, null);
    return layerNorm(x, model.outputNorm.w, model.outputNorm.b, model.config.normEps);
  }
  throw new UnsupportedError("embeddings", `no pooled embeddings for ${model.constructor.name}`);
}

/** Mean-pooled, L2-normalised embedding [C] of one token sequence. */
export function pooledEmbedding(model: LanguageModel, ids: readonly number[]): Float32Array {
  if (ids.length === 0) throw new ValueError("embeddings", "the input has no tokens");
  const h = noGrad(() => hiddenStates(model, Int32Array.from(ids))).f32();
  const C = model.config.dim, T = ids.length;
  const out = new Float32Array(C);
  for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) out[c]! += h[t * C + c]! / T;
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let c = 0; c < C; c++) out[c]! /= norm;
  return out;
}
