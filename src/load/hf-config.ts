// Hugging Face config.json -> ModelConfig (llama, mistral, qwen2, gpt2); auto_map is never executed.
import { NO_SCALING, type ModelConfig, type RopeScaling } from "../models/config.js";
import { resolveArch } from "../models/registry.js";
import { FormatError, UnsupportedError } from "../util/errors.js";

type Json = Record<string, unknown>;

function num(cfg: Json, key: string, fallback?: number): number {
  const v = cfg[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new FormatError("config.json", `missing number '${key}'`);
  }
  throw new FormatError("config.json", `'${key}' must be a number but is ${JSON.stringify(v)}`);
}

function ropeScaling(cfg: Json): RopeScaling {
  const rs = cfg.rope_scaling as Json | null | undefined;
  if (!rs) return NO_SCALING;
  const type = String(rs.rope_type ?? rs.type ?? "none");
  const factor = num(rs, "factor", 1);
  const orig = num(rs, "original_max_position_embeddings", num(cfg, "max_position_embeddings", 2048));
  if (type === "linear") return { ...NO_SCALING, type, factor };
  if (type === "llama3") {
    return { ...NO_SCALING, type, factor, originalContext: orig, lowFreqFactor: num(rs, "low_freq_factor", 1), highFreqFactor: num(rs, "high_freq_factor", 4) };
  }
  if (type === "yarn") {
    return { ...NO_SCALING, type, factor, originalContext: orig, attnFactor: num(rs, "attention_factor", 0), betaFast: num(rs, "beta_fast", 32), betaSlow: num(rs, "beta_slow", 1) };
  }
  if (type === "dynamic" || type === "default") return NO_SCALING; // dynamic NTK only changes past the trained length
  throw new UnsupportedError("config.json", `rope_scaling type '${type}' is not supported (linear, dynamic, yarn, llama3)`);
}

/** Parse an HF config.json object. A model_type weft does not know is refused with a clear reason. */
export function configFromHf(cfg: Json): ModelConfig {
  const modelType = String(cfg.model_type ?? "");
  if (!modelType) throw new FormatError("config.json", "missing 'model_type'");
  if (cfg.auto_map && !["llama", "mistral", "qwen2", "gpt2", "mixtral", "qwen2_moe"].includes(modelType)) {
    throw new UnsupportedError("config.json", `model_type '${modelType}' needs custom code (auto_map); weft never runs repository code`);
  }
  const arch = resolveArch(modelType);
  if (arch === "gpt2") {
    const dim = num(cfg, "n_embd");
    const nHead = num(cfg, "n_head");
    return {
      arch, vocabSize: num(cfg, "vocab_size"), dim, nLayer: num(cfg, "n_layer"), nHead, nHeadKv: nHead, headDim: dim / nHead,
      ffnDim: num(cfg, "n_inner", 4 * dim), contextLength: num(cfg, "n_positions", 1024), normEps: num(cfg, "layer_norm_epsilon", 1e-5),
      ropeBase: 10000, nRot: 0, ropeNeox: false, ropeScaling: NO_SCALING, ropeFreqFactors: null, slidingWindow: 0,
      tiedEmbeddings: cfg.tie_word_embeddings !== false, qkvBias: true,
    };
  }
  const dim = num(cfg, "hidden_size");
  const nHead = num(cfg, "num_attention_heads");
  const headDim = num(cfg, "head_dim", dim / nHead);
  const window = cfg.use_sliding_window === false ? 0 : num(cfg, "sliding_window", 0);
  return {
    arch, vocabSize: num(cfg, "vocab_size"), dim, nLayer: num(cfg, "num_hidden_layers"), nHead,
    nHeadKv: num(cfg, "num_key_value_heads", nHead), headDim, ffnDim: num(cfg, "intermediate_size"),
    contextLength: num(cfg, "max_position_embeddings", 2048), normEps: num(cfg, "rms_norm_eps", 1e-6),
    ropeBase: num(cfg, "rope_theta", 10000), nRot: headDim, ropeNeox: arch === "qwen2" || arch === "qwen2moe", ropeScaling: ropeScaling(cfg),
    ropeFreqFactors: null, slidingWindow: window ?? 0, tiedEmbeddings: cfg.tie_word_embeddings === true,
    qkvBias: arch === "qwen2" || arch === "qwen2moe" || cfg.attention_bias === true,
    ...hfExperts(cfg, modelType),
  };
}

/** Expert fields of mixtral (softmax, renormalised top-k) and qwen2_moe (shared expert, norm_topk_prob). */
function hfExperts(cfg: Json, modelType: string): Partial<ModelConfig> {
  if (modelType === "mixtral") {
    return { nExpert: num(cfg, "num_local_experts"), nExpertUsed: num(cfg, "num_experts_per_tok"), expertFfnDim: num(cfg, "intermediate_size"),
      sharedExpertFfnDim: 0, routerGating: "softmax", normTopK: true };
  }
  if (modelType !== "qwen2_moe") return {};
  const dense = cfg.mlp_only_layers;
  if (num(cfg, "decoder_sparse_step", 1) !== 1 || (Array.isArray(dense) && dense.length > 0)) {
    throw new UnsupportedError("config.json", "qwen2_moe with dense layers (decoder_sparse_step != 1 or mlp_only_layers) is not supported");
  }
  return {
    nExpert: num(cfg, "num_experts"), nExpertUsed: num(cfg, "num_experts_per_tok"), expertFfnDim: num(cfg, "moe_intermediate_size"),
    sharedExpertFfnDim: num(cfg, "shared_expert_intermediate_size"), routerGating: "softmax", normTopK: cfg.norm_topk_prob === true,
  };
}

/** The config.json a Hugging Face loader expects for a weft config (inverse of configFromHf). */
export function hfConfigJson(c: ModelConfig): Record<string, unknown> {
  if (c.arch === "gpt2") {
    return {
      architectures: ["GPT2LMHeadModel"], model_type: "gpt2", vocab_size: c.vocabSize, n_embd: c.dim, n_layer: c.nLayer, n_head: c.nHead,
      n_inner: c.ffnDim, n_positions: c.contextLength, layer_norm_epsilon: c.normEps, activation_function: "gelu_new",
      tie_word_embeddings: c.tiedEmbeddings, torch_dtype: "float32",
    };
  }
  const rs = c.ropeScaling;
  const ropeScaling = rs.type === "none" ? null
    : rs.type === "linear" ? { rope_type: "linear", factor: rs.factor }
    : rs.type === "llama3" ? { rope_type: "llama3", factor: rs.factor, low_freq_factor: rs.lowFreqFactor, high_freq_factor: rs.highFreqFactor, original_max_position_embeddings: rs.originalContext }
    : { rope_type: "yarn", factor: rs.factor, original_max_position_embeddings: rs.originalContext, beta_fast: rs.betaFast, beta_slow: rs.betaSlow, ...(rs.attnFactor ? { attention_factor: rs.attnFactor } : {}) };
  if ((c.nExpert ?? 0) > 0) return { ...denseHfJson(c, ropeScaling), ...moeHfJson(c) };
  return denseHfJson(c, ropeScaling);
}

function moeHfJson(c: ModelConfig): Record<string, unknown> {
  if (c.arch === "qwen2moe") {
    return { architectures: ["Qwen2MoeForCausalLM"], model_type: "qwen2_moe", num_experts: c.nExpert, num_experts_per_tok: c.nExpertUsed,
      moe_intermediate_size: c.expertFfnDim ?? c.ffnDim, shared_expert_intermediate_size: c.sharedExpertFfnDim ?? 0,
      norm_topk_prob: c.normTopK === true, decoder_sparse_step: 1, mlp_only_layers: [] };
  }
  return { architectures: ["MixtralForCausalLM"], model_type: "mixtral", num_local_experts: c.nExpert, num_experts_per_tok: c.nExpertUsed,
    intermediate_size: c.expertFfnDim ?? c.ffnDim };
}

function denseHfJson(c: ModelConfig, ropeScaling: unknown): Record<string, unknown> {
  return {
    architectures: [c.arch === "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"], model_type: c.arch, vocab_size: c.vocabSize,
    hidden_size: c.dim, intermediate_size: c.ffnDim, num_hidden_layers: c.nLayer, num_attention_heads: c.nHead,
    num_key_value_heads: c.nHeadKv, head_dim: c.headDim, hidden_act: "silu", max_position_embeddings: c.contextLength,
    rms_norm_eps: c.normEps, rope_theta: c.ropeBase, rope_scaling: ropeScaling, tie_word_embeddings: c.tiedEmbeddings,
    attention_bias: c.arch === "llama" ? c.qkvBias : undefined, sliding_window: c.slidingWindow || null,
    use_sliding_window: c.arch === "qwen2" ? c.slidingWindow > 0 : undefined, torch_dtype: "float32",
  };
}
