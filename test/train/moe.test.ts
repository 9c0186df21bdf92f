// Training sparse MoE models: from scratch with load-balancing and z-loss (expert load in StepMetrics.aux), capacity
// dropping, full fine-tuning of a GGUF MoE (exported back with 3-D expert tensors), and LoRA on a quantised MoE's experts.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { moeConfig } from "../../src/models/moe.js";
import { moeTraining, setCapacityFactor, type MoeStepAux } from "../../src/models/moe-train.js";
import { LlamaModel } from "../../src/models/llama.js";
import { TrainableWeights } from "../../src/models/trainable.js";
import { tensorManifest } from "../../src/models/manifest.js";
import { randomWeights } from "../../src/models/random.js";
import { exportGguf } from "../../src/compress/export-gguf.js";
import { loadGguf } from "../../src/load/index.js";
import { ggufToArrays } from "../../src/load/gguf-weights.js";
import { Trainer } from "../../src/train/trainer.js";
import { applyLora, fuseLora } from "../../src/train/lora.js";
import { packRows, type Example } from "../../src/train/data.js";
import { fromArray } from "../../src/core/tensor.js";
import { noGrad } from "../../src/core/autograd.js";

const cfg = moeConfig({ vocabSize: 16, dim: 32, nLayer: 2, nHead: 4, ffnDim: 32, nExpert: 4, nExpertUsed: 2 });
const cyclic: Example[] = Array.from({ length: 40 }, (_, k) => {
  const ids = Array.from({ length: 9 }, (_, t) => (k + (1 + (k % 3)) * t) % 16);
  return { ids, train: ids.map(() => true) };
});
const rows = packRows(cyclic, 8);
const probe = fromArray(Int32Array.from([1, 5, 9, 3, 7, 2]), [1, 6]);
const logitsOf = (m: LlamaModel) => Array.from(noGrad(() => m.forward(probe, null, { allLogits: true })).f32());
const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe("MoE training", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-moe-train-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("from scratch: loss falls, aux losses join the loss, expert load is reported per step", () => {
    const w = TrainableWeights.random(cfg, 1);
    const model = new LlamaModel(cfg, w);
    const hook = moeTraining(model, { balance: 0.01, z: 0.001 });
    const ms = new Trainer(model, [...w.named().values()], rows, { steps: 40, batchSize: 4, lr: 2e-2, warmupSteps: 2, ...hook }).run();
    const aux = ms.map((m) => m.aux as unknown as MoeStepAux);
    assert.ok(ms[0]!.loss > 2 && ms.at(-1)!.loss < 1.2, `${ms[0]!.loss} -> ${ms.at(-1)!.loss}`);
    for (const a of aux) {
      assert.equal(a.expertLoad.length, 2);
      for (const l of a.expertLoad) assert.ok(Math.abs(l.reduce((s, v) => s + v, 0) - 1) < 1e-9);
      assert.ok(a.balanceLoss >= 1 - 1e-6 && a.zLoss > 0);
      assert.ok(Math.abs(ms[aux.indexOf(a)]!.loss - (a.ce + 0.01 * a.balanceLoss + 0.001 * a.zLoss)) < 1e-4);
    }
    assert.equal(w.named().get("blk.0.ffn_up_exps.weight")!.shape.join(","), "4,32,32");
  });

  it("capacity factor drops assignments and reports the dropped fraction", () => {
    const w = TrainableWeights.random(cfg, 2);
    const model = new LlamaModel(cfg, w);
    setCapacityFactor(model, 0.5);
    const hook = moeTraining(model);
    const ms = new Trainer(model, [...w.named().values()], rows, { steps: 2, batchSize: 4, lr: 1e-2, ...hook }).run();
    const d = (ms[1]!.aux as unknown as MoeStepAux).dropped;
    assert.ok(d >= 0.5 - 1e-9 && d < 1, `dropped ${d}`);
  });

  it("full fine-tuning of a GGUF MoE: loss falls and the result exports as a GGUF with 3-D experts that reloads identically", () => {
    const src = join(dir, "base.gguf");
    exportGguf(src, cfg, randomWeights(cfg, 3), { type: "F32" });
    const base = loadGguf(src);
    const w = new TrainableWeights(ggufToArrays(base.gguf!, tensorManifest(base.config)));
    const model = new LlamaModel(base.config, w);
    assert.ok(maxDiff(logitsOf(model), logitsOf(base.model as LlamaModel)) < 1e-4);
    const ms = new Trainer(model, [...w.named().values()], rows, { steps: 20, batchSize: 4, lr: 1e-2, ...moeTraining(model) }).run();
    assert.ok(ms.at(-1)!.loss < ms[0]!.loss - 0.5, `${ms[0]!.loss} -> ${ms.at(-1)!.loss}`);
    const out = join(dir, "tuned.gguf");
    exportGguf(out, base.config, new Map([...w.named()].map(([n, t]) => [n, { shape: [...t.shape], data: t.f32() }])), { type: "F32" });
    const tuned = loadGguf(out);
    assert.deepEqual(tuned.gguf!.tensorsByName.get("blk.1.ffn_down_exps.weight")!.shape, [32, 32, 4]);
    assert.ok(maxDiff(logitsOf(tuned.model as LlamaModel), logitsOf(model)) < 1e-4);
  });

  it("LoRA on the experts of a Q8_0 MoE: only expert adapters train, loss falls, fuse keeps the function", () => {
    const src = join(dir, "q8.gguf");
    exportGguf(src, cfg, randomWeights(cfg, 4), { type: "Q8_0" });
    const model = loadGguf(src).model as LlamaModel;
    const before = logitsOf(model);
    applyLora(model, ["experts"], { rank: 4, alpha: 8 });
    assert.deepEqual(logitsOf(model), before);
    const names = model.trainableParameters().map(([n]) => n);
    assert.equal(names.length, 2 * 3 * 2);
    assert.ok(names.every((n) => /mlp\.(gate|up|down)Exps\.lora[AB]$/.test(n)), names.join(", "));
    const params = model.trainableParameters().map(([, t]) => t);
    const ms = new Trainer(model, params, rows, { steps: 25, batchSize: 4, lr: 2e-2 }).run();
    assert.ok(ms.at(-1)!.loss < ms[0]!.loss - 0.3, `${ms[0]!.loss} -> ${ms.at(-1)!.loss}`);
    const adapted = logitsOf(model);
    assert.equal(fuseLora(model), 6);
    // the fused f32 experts no longer see activations rounded to Q8_0 as the quantised path does
    const d = maxDiff(logitsOf(model), adapted);
    assert.ok(d < 0.05 * Math.max(...adapted.map(Math.abs)), `fused vs adapter ${d}`);
  });
});
