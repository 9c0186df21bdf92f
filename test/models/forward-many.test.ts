// Continuous batching: one packed step over several sequences equals running each alone.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { llamaConfig, type ModelConfig } from "../../src/models/config.js";
import { randomWeights } from "../../src/models/random.js";
import { TrainableWeights } from "../../src/models/trainable.js";
import { buildModel } from "../../src/models/build.js";
import { noGrad } from "../../src/core/autograd.js";

const base = llamaConfig({ vocabSize: 64, dim: 32, nLayer: 2, nHead: 4, nHeadKv: 2, ffnDim: 64, contextLength: 64 });

for (const [name, cfg] of [["llama", base], ["gpt2", { ...base, arch: "gpt2", nHeadKv: 4 }]] as [string, ModelConfig][]) {
  describe(`${name} forwardMany`, () => {
    it("packed prefill + decode of three sequences matches separate runs", () => {
      const model = buildModel(cfg, new TrainableWeights(randomWeights(cfg, 4)));
      const prompts = [[1, 2, 3, 4, 5], [9, 8], [7, 7, 7, 6]];
      const solo = prompts.map((p) => {
        const c = model.makeCache(32);
        const a = noGrad(() => model.forward(Int32Array.from(p), c)).toArray();
        const b = noGrad(() => model.forward(Int32Array.of(11), c)).toArray();
        return [a, b];
      });
      const caches = prompts.map(() => model.makeCache(32));
      const first = noGrad(() => model.forwardMany(prompts.map((p, i) => ({ tokens: Int32Array.from(p), cache: caches[i]! })))).toArray();
      const second = noGrad(() => model.forwardMany(caches.map((c) => ({ tokens: Int32Array.of(11), cache: c })))).toArray();
      const V = cfg.vocabSize;
      prompts.forEach((_, i) => {
        for (const [got, want] of [[first.slice(i * V, (i + 1) * V), solo[i]![0]!], [second.slice(i * V, (i + 1) * V), solo[i]![1]!]]) {
          got!.forEach((v, j) => assert.ok(Math.abs(v - want![j]!) < 1e-4, `seq ${i} logit ${j}: ${v} vs ${want![j]}`));
        }
      });
    });
  });
}
