// The server's draw (top-k without sorting the vocabulary) picks exactly what generate's Sampler picks for the same
// seed and options; penalties and logit_bias follow OpenAI's definitions.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Sampler } from "../../src/generate/sampler.js";
import { Rng } from "../../src/core/rng.js";
import { applyPenalties, drawToken, topIndices } from "../../src/serve/sampling.js";

describe("server sampling", () => {
  it("drawToken equals Sampler.sample for the same seed", () => {
    const gen = new Rng(3);
    const cases = [{}, { temperature: 0 }, { temperature: 1.3, topK: 0, topP: 1, minP: 0 }, { temperature: 0.7, topK: 5 }, { topP: 0.5 },
      { minP: 0.3, topK: 100 }, { temperature: 2, topK: 1 }];
    for (const [ci, o] of cases.entries()) {
      for (const V of [7, 33, 1000]) {
        const logits = Float32Array.from({ length: V }, () => gen.normal() * 3);
        const ref = new Sampler({ ...o, seed: ci * 10 + V }), rng = new Rng(ci * 10 + V);
        for (let t = 0; t < 20; t++) {
          assert.equal(drawToken(logits.slice(), o, () => rng.uniform()), ref.sample(logits.slice(), []), `case ${ci} V ${V} draw ${t}`);
        }
      }
    }
  });

  it("topIndices ranks like a full sort", () => {
    const v = Float32Array.from([3, 1, 3, -2, 7, 0, 7]);
    assert.deepEqual(topIndices(v, 4), [4, 6, 0, 2]);
    assert.deepEqual(topIndices(v, 7), [4, 6, 0, 2, 1, 5, 3]);
  });

  it("penalties count generated tokens; bias -100 bans", () => {
    const l = new Float32Array(4).fill(1);
    applyPenalties(l, { frequencyPenalty: 0.5, presencePenalty: 0.25, repetitionPenalty: 1, logitBias: new Map([[3, -100], [1, 2]]) }, [0, 0, 1], () => []);
    assert.deepEqual(Array.from(l), [1 - 1 - 0.25, 1 + 2 - 0.5 - 0.25, 1, -Infinity]);
  });
});
