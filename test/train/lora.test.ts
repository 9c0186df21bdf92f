// LoRA: starts as the identity update, trains only A/B, fuses to the same function, works on quantised bases.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { llamaConfig } from "../../src/models/config.js";
import { LlamaModel } from "../../src/models/llama.js";
import { TrainableWeights } from "../../src/models/trainable.js";
import { randomWeights } from "../../src/models/random.js";
import { applyLora, fuseLora, removeLora } from "../../src/train/lora.js";
import { LoRALinear } from "../../src/nn/lora.js";
import { Linear } from "../../src/nn/layers.js";
import { QuantLinear, QuantWeight } from "../../src/nn/quant-linear.js";
import { quantize } from "../../src/dtype/quants/index.js";
import { Trainer } from "../../src/train/trainer.js";
import { packRows, type Example } from "../../src/train/data.js";
import { fromArray } from "../../src/core/tensor.js";
import { noGrad } from "../../src/core/autograd.js";
import { Rng } from "../../src/core/rng.js";
import * as W from "../../src/core/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

const cfg = llamaConfig({ vocabSize: 16, dim: 32, nLayer: 2, nHead: 4, ffnDim: 64 });
const ids = fromArray(Int32Array.from([1, 5, 9, 3, 7, 2]), [1, 6]);
const logitsOf = (m: LlamaModel) => noGrad(() => m.forward(ids, null, { allLogits: true })).toArray();
const data: Example[] = Array.from({ length: 30 }, (_, k) => {
  const x = Array.from({ length: 9 }, (_, t) => (3 * k + 5 * t) % 16);
  return { ids: x, train: x.map(() => true) };
});

function maxAbsDiff(a: number[], b: number[]): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe("LoRA", () => {
  it("a fresh adapter leaves the model unchanged and only A/B train", () => {
    const model = new LlamaModel(cfg, TrainableWeights.random(cfg, 1));
    const before = logitsOf(model);
    const adapters = applyLora(model, ["q", "k", "v", "o", "gate", "up", "down"], { rank: 4, alpha: 8 });
    assert.equal(adapters.length, 14);
    assert.deepEqual(logitsOf(model), before);
    const trainable = model.trainableParameters().map(([n]) => n);
    assert.equal(trainable.length, 28);
    assert.ok(trainable.every((n) => n.endsWith("loraA") || n.endsWith("loraB")), trainable.join(","));
  });

  it("training lowers the loss; fuse gives the same function; remove restores the base", () => {
    const model = new LlamaModel(cfg, TrainableWeights.random(cfg, 2));
    const base = logitsOf(model);
    applyLora(model, ["q", "v", "down"], { rank: 4, alpha: 16 });
    const params = model.trainableParameters().map(([, t]) => t);
    const ms = new Trainer(model, params, packRows(data, 8), { steps: 30, batchSize: 4, lr: 1e-2 }).run();
    assert.ok(ms.at(-1)!.loss < ms[0]!.loss - 0.3, `${ms[0]!.loss} -> ${ms.at(-1)!.loss}`);
    model.eval();
    const adapted = logitsOf(model);
    assert.ok(maxAbsDiff(adapted, base) > 1e-3);
    assert.equal(fuseLora(model), 6);
    assert.ok(maxAbsDiff(logitsOf(model), adapted) < 1e-4);
    const again = new LlamaModel(cfg, TrainableWeights.random(cfg, 2));
    applyLora(again, ["q"], { rank: 2, alpha: 2 });
    assert.equal(removeLora(again), 2);
    assert.deepEqual(logitsOf(again), base);
  });

  it("QLoRA: an adapter over a Q8_0 base trains and fuses to f32", () => {
    const rng = new Rng(4);
    const wf = randomWeights(cfg, 3).get("blk.0.ffn_up.weight")!;
    const base = new QuantLinear(new QuantWeight(quantize("Q8_0", wf.data, 32), "Q8_0", 64, 32));
    const lora = LoRALinear.fromBase(base, { rank: 4, alpha: 4, rng });
    lora.loraB = W.randn([64, 4], { rng, std: 0.1, requiresGrad: true });
    const x = W.randn([3, 32], { rng });
    gradcheck("loraA/B", (a, b) => {
      lora.loraA = a!;
      lora.loraB = b!;
      return lora.forward(x);
    }, [lora.loraA, lora.loraB], { rtol: 1e-2, atol: 2e-3 });
    const fused = lora.fuse();
    assert.ok(fused instanceof Linear);
    const d = maxAbsDiff(noGrad(() => fused.forward(x)).toArray(), noGrad(() => lora.forward(x)).toArray());
    assert.ok(d < 0.05, `fused vs adapter ${d} (Q8_0 activation rounding in the quantised path)`);
  });
});
