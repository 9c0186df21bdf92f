// A llama built from a config trains with autograd (from scratch), and its tied embedding is one shared parameter.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { llamaConfig } from "../../src/models/config.js";
import { LlamaModel } from "../../src/models/llama.js";
import { TrainableWeights } from "../../src/models/trainable.js";
import { crossEntropy } from "../../src/core/ops/loss.js";
import { backward } from "../../src/core/autograd.js";
import { fromArray } from "../../src/core/tensor.js";
import { Rng } from "../../src/core/rng.js";
import { AdamW } from "../../src/train/optim.js";

describe("training a llama from a config", () => {
  it("learns a cyclic sequence (loss from ~ln V to < 0.3)", () => {
    const cfg = llamaConfig({ vocabSize: 16, dim: 32, nLayer: 2, nHead: 4, nHeadKv: 2, ffnDim: 64, tiedEmbeddings: true });
    const w = TrainableWeights.random(cfg, 3);
    const model = new LlamaModel(cfg, w);
    assert.equal(model.parameters().length, new Set(model.parameters()).size);
    assert.ok(model.tokEmbd.parameters()[0] === (model.output as unknown as { weight: unknown }).weight, "tied output shares the embedding");
    const opt = new AdamW([...w.named().values()], { lr: 3e-2, weightDecay: 0 });
    const rng = new Rng(1), B = 4, T = 12;
    const losses: number[] = [];
    for (let step = 0; step < 80; step++) {
      const ids = new Int32Array(B * T), tg = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        const start = rng.int(16);
        for (let t = 0; t < T; t++) {
          ids[b * T + t] = (start + t) % 16;
          tg[b * T + t] = (start + t + 1) % 16;
        }
      }
      const logits = model.forward(fromArray(ids, [B, T]), null, { allLogits: true });
      const loss = crossEntropy(logits, fromArray(tg, [B, T]));
      losses.push(loss.item());
      opt.zeroGrad();
      backward(loss);
      opt.step();
    }
    assert.ok(losses[0]! > 2, `first loss ${losses[0]}`);
    assert.ok(losses.at(-1)! < 0.3, `last loss ${losses.at(-1)}`);
  });
});

describe("module tree", () => {
  it("finds every parameter of a llama, including q/k/v inside the attention's projection record", () => {
    const cfg = llamaConfig({ vocabSize: 16, dim: 8, nLayer: 2, nHead: 2, ffnDim: 16 });
    const w = TrainableWeights.random(cfg, 1);
    const model = new LlamaModel(cfg, w);
    const names = model.namedParameters().map(([n]) => n);
    assert.equal(names.length, w.named().size);
    assert.ok(names.includes("blocks.1.attn.proj.q.weight"), names.join(", "));
  });
});
