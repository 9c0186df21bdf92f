// Perplexity as llama.cpp defines it: the chunk plan (default and strided), the formula on a model whose
// probabilities are known, and agreement with a perplexity computed from llama.cpp's own probabilities.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { perplexity, perplexityPlan } from "../../src/eval/perplexity.js";
import { fromArray, type Tensor } from "../../src/core/tensor.js";
import type { LanguageModel } from "../../src/models/config.js";
import { llamaConfig } from "../../src/models/config.js";
import { load } from "../../src/load/index.js";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";
import { getLlamaCpp } from "../helpers/llama-cpp.js";
import { llamaCppPerplexity } from "./llama-cpp-perplexity.js";

describe("perplexity plan", () => {
  it("default mode: floor(n/ctx) chunks, BOS at each start, positions ctx/2 .. ctx-2 scored", () => {
    const plan = perplexityPlan(1000, 128);
    assert.equal(plan.length, 7);
    assert.deepEqual(plan[3], { start: 384, first: 64, bos: true });
    assert.throws(() => perplexityPlan(255, 128), /needs at least 256/);
  });

  it("strided mode: ceil((n - ctx)/S) windows, the last S predictions scored, no BOS", () => {
    const plan = perplexityPlan(1000, 128, 32);
    assert.equal(plan.length, Math.floor((1000 - 128 + 31) / 32));
    assert.deepEqual(plan[2], { start: 64, first: 128 - 32 - 1, bos: false });
    assert.ok(plan.at(-1)!.start + 128 <= 1000);
    assert.throws(() => perplexityPlan(1000, 128, 128), /stride/);
  });
});

/** A model whose next-token distribution is p(t) ∝ 2 for t = (prev + 1) % V, 1 otherwise. */
function toyModel(V: number): LanguageModel {
  const config = llamaConfig({ vocabSize: V, dim: 8, nLayer: 1, nHead: 1, contextLength: 64 });
  return {
    config,
    forward(tokens: Tensor | Int32Array): Tensor {
      const t = tokens as Tensor, ids = t.ids(), out = new Float32Array(ids.length * V);
      ids.forEach((id, i) => { out[i * V + ((id + 1) % V)] = Math.log(2); });
      return fromArray(out, [...t.shape, V]);
    },
    makeCache: () => { throw new Error("unused"); },
    forwardMany: () => { throw new Error("unused"); },
  };
}

describe("perplexity", () => {
  it("equals exp(mean nll) over exactly the scored positions", () => {
    const V = 5, model = toyModel(V);
    const tokens = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? (i * 7) % V : ((i - 1) * 7 + 1) % V));
    const r = perplexity(model, tokens, { ctx: 16, bos: 0, batch: 2 });
    let nll = 0, n = 0;
    for (const p of perplexityPlan(100, 16)) {
      for (let j = p.first; j < 15; j++) {
        const prev = j === 0 && p.bos ? 0 : tokens[p.start + j]!, next = tokens[p.start + j + 1]!;
        nll -= Math.log((next === (prev + 1) % V ? 2 : 1) / (V + 1));
        n++;
      }
    }
    assert.equal(r.count, n);
    assert.ok(Math.abs(r.ppl - Math.exp(nll / n)) < 1e-9, `${r.ppl} vs ${Math.exp(nll / n)}`);
  });

  it("stories260K: weft and llama.cpp (its own probabilities) agree within 0.5%", async (t) => {
    const model = fixturePath("models/stories260K/stories260K.gguf"), text = fixturePath("text/tinystories/tinystories_val_head.txt");
    if (!model || !text) return t.skip(missingFixture(model ? "text/tinystories/tinystories_val_head.txt" : "models/stories260K/stories260K.gguf"));
    if (!(await getLlamaCpp())) return t.skip("node-llama-cpp is not installed or has no prebuilt binary for this machine");
    const l = load(model), tok = l.tokenizer!;
    const tokens = tok.encode(readFileSync(text, "utf8").slice(0, 12000), { addBos: tok.addBos });
    for (const stride of [0, 48]) {
      const o = { ctx: 128, stride, bos: tok.bos, maxChunks: stride ? 6 : 8 };
      const ours = perplexity(l.model, tokens, o), ref = await llamaCppPerplexity(model, tokens, o);
      if (process.env.WEFT_DEBUG) console.log(stride, ours.ppl, ref.ppl, ours.count);
      assert.equal(ours.count, ref.count);
      assert.ok(Math.abs(ours.ppl / ref.ppl - 1) < 0.005, `stride ${stride}: weft ${ours.ppl} vs llama.cpp ${ref.ppl}`);
      assert.ok(ours.ppl > 1 && ours.ppl < 50, `implausible perplexity ${ours.ppl}`);
    }
  });
});
