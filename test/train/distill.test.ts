// Distillation: the loss has the right gradient, is zero-KL when student equals teacher, and a student learns.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { distillationLoss, teacherLogits } from "../../src/train/distill.js";
import { fromArray } from "../../src/core/tensor.js";
import { llamaConfig } from "../../src/models/config.js";
import { LlamaModel } from "../../src/models/llama.js";
import { TrainableWeights } from "../../src/models/trainable.js";
import { Trainer, evaluate } from "../../src/train/trainer.js";
import { packRows, type Example } from "../../src/train/data.js";
import * as W from "../../src/core/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

const targets = fromArray(Int32Array.from([1, -100, 3]), [3]);

describe("distillation", () => {
  it("gradient matches finite differences", () => {
    const teacher = W.randn([3, 5], { rng: new W.Rng(1) });
    const s = W.randn([3, 5], { rng: new W.Rng(2), requiresGrad: true });
    gradcheck("distill", (x) => distillationLoss(x!, teacher, targets, { temperature: 2, alpha: 0.3 }), [s]);
  });
  it("KL part is zero when the student equals the teacher", () => {
    const t = W.randn([3, 5], { rng: new W.Rng(3) });
    assert.ok(Math.abs(distillationLoss(t, t, targets, { temperature: 3, alpha: 0 }).item()) < 2e-5); // f32 sums in native kernels
  });
  it("a smaller student learns from a teacher's logits", () => {
    const tc = llamaConfig({ vocabSize: 16, dim: 32, nLayer: 2, nHead: 4, ffnDim: 64 });
    const teacher = new LlamaModel(tc, TrainableWeights.random(tc, 1));
    const data: Example[] = Array.from({ length: 30 }, (_, k) => {
      const ids = Array.from({ length: 9 }, (_, t) => (k * 3 + t * 5) % 16);
      return { ids, train: ids.map(() => true) };
    });
    const rows = packRows(data, 8);
    // train the teacher a little so it has something to teach
    const tw = [...teacher.parameters()];
    new Trainer(teacher, tw, rows, { steps: 30, batchSize: 4, lr: 1e-2 }).run();
    const sc = llamaConfig({ vocabSize: 16, dim: 16, nLayer: 1, nHead: 2, ffnDim: 32 });
    const sw = TrainableWeights.random(sc, 2);
    const student = new LlamaModel(sc, sw);
    const lossFn = (m: typeof student, x: W.Tensor, y: W.Tensor) =>
      distillationLoss(m.forward(x, null, { allLogits: true }), teacherLogits(teacher, x), y, { temperature: 2, alpha: 0.5 });
    const before = evaluate(student, rows, 8);
    const ms = new Trainer(student, [...sw.named().values()], rows, { steps: 40, batchSize: 4, lr: 1e-2, lossFn: lossFn as never }).run();
    assert.ok(ms.at(-1)!.loss < ms[0]!.loss * 0.7, `${ms[0]!.loss} -> ${ms.at(-1)!.loss}`);
    assert.ok(evaluate(student, rows, 8) < before);
  });
});
