// The moe-tiny fixture (Mixtral layout, 4 experts top-2, goldens from llama.cpp): its GGUF and its HF folder reproduce
// the greedy ids, the logits of the first two steps and the router's choices and weights.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { load } from "../../src/load/index.js";
import { generate } from "../../src/generate/generate.js";
import { noGrad } from "../../src/core/autograd.js";
import { LlamaModel } from "../../src/models/llama.js";
import { MoeFfn } from "../../src/nn/moe.js";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";

interface Golden {
  prompt_token_ids: number[];
  generated_token_ids: number[];
  logits_first_2_steps: number[][];
  routing_first_8_positions: { layer: number; pos: number; experts: number[]; weights: number[] }[];
}

const DIR = "models/synthetic/moe-tiny";

describe("moe-tiny fixture", () => {
  for (const [name, rel] of [["GGUF", `${DIR}/moe-tiny.gguf`], ["HF folder", `${DIR}/hf`]]) {
    it(`${name}: greedy ids, first-step logits and router choices match expected.json`, async (t) => {
      const path = fixturePath(rel!), golden = fixturePath(`${DIR}/expected.json`);
      if (!path || !golden) return t.skip(missingFixture(rel!));
      const g = JSON.parse(readFileSync(golden, "utf8")) as Golden;
      const { model, config } = load(path);
      assert.equal(config.nExpert, 4);
      assert.equal(config.nExpertUsed, 2);
      const r = await generate(model, null, g.prompt_token_ids, { temperature: 0, maxTokens: g.generated_token_ids.length, stopAtEos: false });
      assert.deepEqual(r.tokens, g.generated_token_ids);
      const ids = [...g.prompt_token_ids, ...g.generated_token_ids];
      for (let s = 0; s < 2; s++) {
        const logits = noGrad(() => model.forward(Int32Array.from(ids.slice(0, g.prompt_token_ids.length + s)))).f32();
        const diff = g.logits_first_2_steps[s]!.reduce((m, v, i) => Math.max(m, Math.abs(v - logits[i]!)), 0);
        assert.ok(diff < 1e-4, `step ${s}: max logit difference ${diff}`);
      }
      noGrad(() => model.forward(Int32Array.from(ids.slice(0, 8))));
      const moe = (model as LlamaModel).blocks.map((b) => b.mlp as MoeFfn);
      for (const want of g.routing_first_8_positions) {
        const l = moe[want.layer]!, K = l.opts.topK;
        assert.deepEqual(Array.from(l.lastRouting!.experts.subarray(want.pos * K, want.pos * K + K)), want.experts, `layer ${want.layer} pos ${want.pos}`);
        const w = l.lastWeights!.subarray(want.pos * K, want.pos * K + K);
        want.weights.forEach((v, j) => assert.ok(Math.abs(v - w[j]!) < 1e-5, `layer ${want.layer} pos ${want.pos} weight ${j}: ${w[j]} vs ${v}`));
      }
    });
  }
});
