// GGUF metadata -> ModelConfig for the llama family and gpt2, with typed errors naming missing keys.
import type { GgufFile } from "../formats/gguf/index.js";
import { getInteger, getOptionalBoolean, getOptionalInteger, getOptionalNumber, getOptionalString, getString } from "../formats/gguf/index.js";
import { NO_SCALING, type Arch, type ModelConfig, type RopeScaling } from "../models/config.js";
import { UnsupportedError } from "../util/errors.js";
import { resolveArch } from "../models/registry.js";

function ropeScaling(g: GgufFile, arch: string): RopeScaling {
  const type = getOptionalString(g, `${arch}.rope.scaling.type`) ?? "none";
  const factor = getOptionalNumber(g, `${arch}.rope.scaling.factor`) ?? 1;
  if (type === "none" || factor === 1) return NO_SCALING;
  if (type !== "linear" && type !== "yarn") {
    throw new UnsupportedError("load", `rope scaling type '${type}' is not supported (linear, yarn)`);
  }
  return {
    ...NO_SCALING,
    type,
    factor,
    originalContext: getOptionalInteger(g, `${arch}.rope.scaling.original_context_length`) ?? 0,
    attnFactor: getOptionalNumber(g, `${arch}.rope.scaling.attn_factor`) ?? 0,
    betaFast: getOptionalNumber(g, `${arch}.rope.scaling.yarn_beta_fast`) ?? 32,
    betaSlow: getOptionalNumber(g, `${arch}.rope.scaling.yarn_beta_slow`) ?? 1,
  };
}

export function configFromGguf(g: GgufFile): ModelConfig {
  const fileArch = getString(g, "general.architecture");
  const arch: Arch = resolveArch(fileArch);
  const k = (s: string) => `${fileArch}.${s}`;
  const dim = getInteger(g, k("embedding_length"));
  const nHead = getInteger(g, k("attention.head_count"));
  const headDim = getOptionalInteger(g, k("attention.key_length")) ?? dim / nHead;
  const tokens = g.metadata.get("tokenizer.ggml.tokens") as ArrayLike<unknown> | undefined;
  const embd = g.tensorsByName.get("token_embd.weight");
  const vocabSize = getOptionalInteger(g, k("vocab_size")) ?? embd?.shape[1] ?? tokens?.length ?? 0;
  return {
    arch,
    vocabSize,
    dim,
    nLayer: getInteger(g, k("block_count")),
    nHead,
    nHeadKv: getOptionalInteger(g, k("attention.head_count_kv")) ?? nHead,
    headDim,
    ffnDim: getInteger(g, k("feed_forward_length")),
    contextLength: getOptionalInteger(g, k("context_length")) ?? 2048,
    normEps: getOptionalNumber(g, k("attention.layer_norm_rms_epsilon")) ?? getOptionalNumber(g, k("attention.layer_norm_epsilon")) ?? 1e-5,
    ropeBase: getOptionalNumber(g, k("rope.freq_base")) ?? 10000,
    nRot: getOptionalInteger(g, k("rope.dimension_count")) ?? headDim,
    ropeNeox: arch === "qwen2" || arch === "qwen2moe",
    ropeScaling: ropeScaling(g, fileArch),
    ropeFreqFactors: null,
    slidingWindow: getOptionalInteger(g, k("attention.sliding_window")) ?? 0,
    tiedEmbeddings: !g.tensorsByName.has("output.weight"),
    qkvBias: g.tensorsByName.has("blk.0.attn_q.bias"),
    ggmlGelu: arch === "gpt2",
    ...expertConfig(g, fileArch, arch),
  };
}

/** Expert fields (`<arch>.expert_count` > 0): llama.cpp runs llama (Mixtral) experts with renormalised top-k
 *  weights and qwen2moe without, both with softmax gating; expert_weights_norm / expert_gating_func override. */
function expertConfig(g: GgufFile, fileArch: string, arch: Arch): Partial<ModelConfig> {
  const k = (s: string) => `${fileArch}.${s}`;
  const nExpert = getOptionalInteger(g, k("expert_count")) ?? 0;
  if (nExpert === 0) return {};
  const nExpertUsed = getInteger(g, k("expert_used_count"));
  const ffn = getInteger(g, k("feed_forward_length"));
  const qwen = arch === "qwen2moe";
  const gating = getOptionalInteger(g, k("expert_gating_func"));
  if (gating !== undefined && gating !== 1 && gating !== 2) {
    throw new UnsupportedError("load", `${k("expert_gating_func")} = ${gating} is not supported (1 softmax, 2 sigmoid)`);
  }
  return {
    nExpert, nExpertUsed,
    expertFfnDim: getOptionalInteger(g, k("expert_feed_forward_length")) ?? (qwen ? Math.floor(ffn / nExpertUsed) : ffn),
    sharedExpertFfnDim: qwen ? getOptionalInteger(g, k("expert_shared_feed_forward_length")) ?? ffn : 0,
    routerGating: gating === 2 ? "sigmoid" : "softmax",
    normTopK: getOptionalBoolean(g, k("expert_weights_norm")) ?? !qwen,
  };
}
