// The trainer on a tiny llama: loss falls, runs are reproducible, the NaN guard skips or stops, schedules behave.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { llamaConfig } from "../../src/models/config.js";
import { LlamaModel } from "../../src/models/llama.js";
import { TrainableWeights } from "../../src/models/trainable.js";
import { Trainer } from "../../src/train/trainer.js";
import { packRows, trainValSplit, type Example } from "../../src/train/data.js";
import { learningRate } from "../../src/train/schedule.js";
import { ValueError } from "../../src/util/errors.js";

const cfg = llamaConfig({ vocabSize: 16, dim: 32, nLayer: 1, nHead: 4, ffnDim: 64 });
const cyclic: Example[] = Array.from({ length: 40 }, (_, k) => {
  const ids = Array.from({ length: 9 }, (_, t) => (k + t) % 16);
  return { ids, train: ids.map(() => true) };
});

function setup(seed = 1) {
  const w = TrainableWeights.random(cfg, seed);
  const model = new LlamaModel(cfg, w);
  return { model, params: [...w.named().values()] };
}

describe("trainer", () => {
  it("loss falls and validation is reported", () => {
    const { model, params } = setup();
    const { train, val } = trainValSplit(packRows(cyclic, 8), 0.1, 1);
    const t = new Trainer(model, params, train, { steps: 40, batchSize: 4, lr: 3e-2, warmupSteps: 2, evalEvery: 20 }, val);
    const ms = t.run();
    assert.ok(ms[0]!.loss > 2 && ms.at(-1)!.loss < 1, `${ms[0]!.loss} -> ${ms.at(-1)!.loss}`);
    assert.ok(ms[19]!.valLoss !== undefined && ms[39]!.valLoss! < ms[0]!.loss);
  });
  it("two runs with the same seed are bit-identical", () => {
    const run = () => {
      const { model, params } = setup(2);
      new Trainer(model, params, packRows(cyclic, 8), { steps: 5, batchSize: 2, lr: 1e-2, gradAccum: 2, seed: 3 }).run();
      return params.map((p) => Array.from(p.f32()));
    };
    assert.deepEqual(run(), run());
  });
  it("a non-finite loss is skipped (parameters unchanged) or stops the run", () => {
    const { model, params } = setup();
    params[0]!.f32()[0] = NaN; // poison the embedding
    const before = params.map((p) => Array.from(p.f32()));
    const t = new Trainer(model, params, packRows(cyclic, 8), { steps: 2, batchSize: 40, lr: 1e-2 });
    assert.ok(t.run().every((m) => m.skipped));
    assert.deepEqual(params.map((p) => Array.from(p.f32())), before);
    const s = new Trainer(model, params, packRows(cyclic, 8), { steps: 2, batchSize: 40, lr: 1e-2, nanPolicy: "stop" });
    assert.throws(() => s.run(), ValueError);
  });
  it("refuses to train on nothing", () => {
    const { model, params } = setup();
    assert.throws(() => new Trainer(model, params, packRows(cyclic.slice(0, 0), 8), { steps: 1, batchSize: 1, lr: 1 }), /no training rows/);
  });
  it("schedules warm up linearly and decay to the floor", () => {
    const o = { kind: "cosine" as const, lr: 1, warmupSteps: 10, totalSteps: 110, minRatio: 0.1 };
    assert.equal(learningRate(o, 0), 0.1);
    assert.equal(learningRate(o, 9), 1);
    assert.ok(Math.abs(learningRate(o, 60) - 0.55) < 1e-9);
    assert.ok(Math.abs(learningRate(o, 110) - 0.1) < 1e-9);
    assert.equal(learningRate({ ...o, kind: "linear" }, 60), 0.55);
  });
});
