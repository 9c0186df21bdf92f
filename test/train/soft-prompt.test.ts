// Soft prompts: prompt tuning and P-tuning train only the prefix, save in PEFT's layout, and drive generation.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { llamaConfig } from "../../src/models/config.js";
import { LlamaModel } from "../../src/models/llama.js";
import { TrainableWeights } from "../../src/models/trainable.js";
import { PromptTuning, PTuning, type SoftPrompt } from "../../src/train/soft-prompt.js";
import { isSoftPromptFolder, loadSoftPrompt, saveSoftPrompt } from "../../src/train/soft-prompt-io.js";
import { Trainer } from "../../src/train/trainer.js";
import { packRows, type Example } from "../../src/train/data.js";
import { crossEntropy } from "../../src/core/ops/loss.js";
import { generate } from "../../src/generate/generate.js";
import { noGrad } from "../../src/core/autograd.js";
import type { Tensor } from "../../src/core/tensor.js";

const cfg = llamaConfig({ vocabSize: 16, dim: 32, nLayer: 2, nHead: 4, ffnDim: 64 });
// a task only a prompt can fix: continue with (t * 7) mod 16
const data: Example[] = Array.from({ length: 24 }, (_, k) => {
  const ids = Array.from({ length: 9 }, (_, t) => (k + t * 7) % 16);
  return { ids, train: ids.map(() => true) };
});
let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "weft-soft-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

function tune(sp: SoftPrompt, model: LlamaModel): number[] {
  model.freeze();
  const before = model.parameters().map((p) => p.f32().slice());
  const ms = new Trainer(model, sp.parameters(), packRows(data, 8), {
    steps: 40, batchSize: 4, lr: 5e-2,
    lossFn: (m, x, y) => crossEntropy(m.forward(x, null, { allLogits: true, prefix: sp.prefix() }), y),
  }).run();
  model.parameters().forEach((p, i) => assert.deepEqual(p.f32(), before[i], "base weights must not change"));
  return ms.map((m) => m.loss);
}

describe("soft prompts", () => {
  it("prompt tuning lowers the loss with the base frozen, and round-trips through PEFT's layout", async () => {
    const w = TrainableWeights.random(cfg, 1);
    const model = new LlamaModel(cfg, w);
    const sp = PromptTuning.init(6, w.named().get("token_embd.weight")!);
    const losses = tune(sp, model);
    assert.ok(losses.at(-1)! < losses[0]! - 0.2, `${losses[0]} -> ${losses.at(-1)}`);
    saveSoftPrompt(join(dir, "pt"), sp);
    assert.ok(isSoftPromptFolder(join(dir, "pt")));
    assert.equal(JSON.parse(readFileSync(join(dir, "pt", "adapter_config.json"), "utf8")).peft_type, "PROMPT_TUNING");
    const loaded = loadSoftPrompt(join(dir, "pt"), cfg.dim);
    const ids = Int32Array.from([3, 10, 1]);
    const a = noGrad(() => model.forward(ids, null, { prefix: sp.prefix() })).toArray();
    const b = noGrad(() => model.forward(ids, null, { prefix: loaded.prefix() })).toArray();
    assert.deepEqual(a, b);
    const r = await generate(model, null, [3, 10, 1], { temperature: 0, maxTokens: 5, prefix: loaded.prefix() as Tensor });
    const plain = noGrad(() => model.forward(ids)).toArray();
    assert.equal(r.tokens.length, 5);
    assert.notDeepEqual(a, plain);
  });

  it("P-tuning (MLP encoder) lowers the loss and saves its encoder output as prompt_embeddings", () => {
    const model = new LlamaModel(cfg, TrainableWeights.random(cfg, 2));
    const sp = PTuning.init(6, cfg.dim, 32);
    const losses = tune(sp, model);
    assert.ok(losses.at(-1)! < losses[0]! - 0.2, `${losses[0]} -> ${losses.at(-1)}`);
    saveSoftPrompt(join(dir, "ptun"), sp);
    const c = JSON.parse(readFileSync(join(dir, "ptun", "adapter_config.json"), "utf8"));
    assert.equal(c.peft_type, "P_TUNING");
    assert.deepEqual(loadSoftPrompt(join(dir, "ptun"), cfg.dim).prefix().toArray(), noGrad(() => sp.prefix()).toArray());
  });
});
