// Adapters: the PEFT fixture reproduces its reference on the GGUF base; weft's GGUF LoRA runs identically in
// llama.cpp; PEFT save/load round-trips.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "../../src/load/index.js";
import { generate } from "../../src/generate/generate.js";
import { loadGgufLora, loadPeftAdapter, saveGgufLora, savePeftAdapter } from "../../src/train/adapters.js";
import { applyLora } from "../../src/train/lora.js";
import { llamaConfig } from "../../src/models/config.js";
import { randomWeights } from "../../src/models/random.js";
import { exportGguf } from "../../src/compress/export-gguf.js";
import { noGrad } from "../../src/core/autograd.js";
import { softmax } from "../../src/core/ops/softmax.js";
import { Rng } from "../../src/core/rng.js";
import type { Module } from "../../src/nn/module.js";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";
import { getLlamaCpp, llamaCppGreedy } from "../helpers/llama-cpp.js";

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "weft-adapters-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Give every adapter a random B so it changes the model. */
function randomizeB(model: Module, seed: number): void {
  const rng = new Rng(seed);
  for (const [n, t] of model.trainableParameters()) {
    if (n.endsWith("loraB")) {
      const v = t.storage as Float32Array;
      for (let i = 0; i < v.length; i++) v[i] = rng.normal() * 0.3;
    }
  }
}

describe("LoRA adapters", () => {
  it("the PEFT fixture on the stories260K GGUF reproduces its reference greedy ids", async (t) => {
    const base = fixturePath("models/stories260K/stories260K.gguf"), peft = fixturePath("models/stories260K-lora");
    if (!base || !peft) return t.skip(missingFixture("models/stories260K-lora"));
    const exp = JSON.parse(readFileSync(join(peft, "expected_greedy.json"), "utf8")) as { prompt_token_ids: number[]; generated_token_ids: number[] };
    const { model, tokenizer, config } = load(base);
    assert.equal(loadPeftAdapter(peft, model as unknown as Module, config), 10);
    const r = await generate(model, tokenizer, exp.prompt_token_ids, { temperature: 0, maxTokens: exp.generated_token_ids.length, stopAtEos: false });
    assert.deepEqual(r.tokens, exp.generated_token_ids);
  });

  it("a weft-written GGUF LoRA gives llama.cpp the same continuation and probabilities", async (t) => {
    const llama = await getLlamaCpp();
    if (!llama) return t.skip("node-llama-cpp unavailable");
    const cfg = llamaConfig({ vocabSize: 320, dim: 64, nLayer: 2, nHead: 4, nHeadKv: 2, ffnDim: 128, contextLength: 256 });
    const basePath = join(dir, "base.gguf"), loraPath = join(dir, "lora.gguf");
    exportGguf(basePath, cfg, randomWeights(cfg, 5), { type: "F32" });
    const { model, config } = load(basePath);
    applyLora(model as unknown as Module, ["q", "k", "v", "o", "gate", "up", "down"], { rank: 4, alpha: 8 });
    randomizeB(model as unknown as Module, 1);
    saveGgufLora(loraPath, model as unknown as Module, config);
    const prompt = [1, 20, 40, 60, 80];
    const ours = await generate(model, null, prompt, { temperature: 0, maxTokens: 24, stopAtEos: false });
    const ref = await llamaCppGreedy(basePath, prompt, 24, 1, loraPath);
    assert.deepEqual(ours.tokens, ref.tokens);
    const p = softmax(noGrad(() => model.forward(Int32Array.from(prompt)))).f32();
    let maxDiff = 0;
    for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i]! - (ref.probs.get(i) ?? 0)));
    assert.ok(maxDiff < 1e-5, `max probability difference ${maxDiff}`);
    // and the file loads back into a fresh base
    const fresh = load(basePath).model;
    assert.equal(loadGgufLora(loraPath, fresh as unknown as Module), 14);
    const q = softmax(noGrad(() => fresh.forward(Int32Array.from(prompt)))).f32();
    assert.ok(q.every((v, i) => Math.abs(v - p[i]!) < 1e-6));
  });

  it("PEFT save/load round-trips on a llama (q/k rows through HF order and back)", () => {
    const cfg = llamaConfig({ vocabSize: 300, dim: 32, nLayer: 2, nHead: 4, nHeadKv: 2, ffnDim: 64 });
    const basePath = join(dir, "b2.gguf");
    exportGguf(basePath, cfg, randomWeights(cfg, 6), { type: "F32" });
    const a = load(basePath);
    applyLora(a.model as unknown as Module, ["q", "k", "v"], { rank: 2, alpha: 4 });
    randomizeB(a.model as unknown as Module, 2);
    savePeftAdapter(join(dir, "peft"), a.model as unknown as Module, a.config, { rank: 2, alpha: 4 });
    const b = load(basePath);
    loadPeftAdapter(join(dir, "peft"), b.model as unknown as Module, b.config);
    const ids = Int32Array.from([1, 7, 9, 11]);
    const [x, y] = [noGrad(() => a.model.forward(ids)).toArray(), noGrad(() => b.model.forward(ids)).toArray()];
    assert.ok(x.every((v, i) => Math.abs(v - y[i]!) < 1e-5));
    const cfgJson = JSON.parse(readFileSync(join(dir, "peft", "adapter_config.json"), "utf8"));
    assert.deepEqual(cfgJson.target_modules.sort(), ["k_proj", "q_proj", "v_proj"]);
  });
});
