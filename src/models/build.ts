// Build the architecture module for a config from a weight source.
import type { LanguageModel, ModelConfig } from "./config.js";
import type { WeightSource } from "./weights.js";
import { LlamaModel } from "./llama.js";
import { Gpt2Model } from "./gpt2.js";

export function buildModel(config: ModelConfig, weights: WeightSource): LanguageModel {
  switch (config.arch) {
    case "llama":
    case "qwen2":
    case "qwen2moe":
      return new LlamaModel(config, weights);
    case "gpt2":
      return new Gpt2Model(config, weights);
  }
}
