// The batching engine in-process: concurrent requests (chunked prefill + packed decode) give the same greedy tokens as
// generate() alone; per-request LoRA and soft-prompt adapters in shared batches match the adapter applied in place.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "../../src/load/index.js";
import { generate } from "../../src/generate/generate.js";
import { Engine } from "../../src/serve/engine.js";
import { loadAdapter } from "../../src/serve/routed-lora.js";
import { applyLora } from "../../src/train/lora.js";
import { loadPeftAdapter, savePeftAdapter } from "../../src/train/adapters.js";
import { saveSoftPrompt } from "../../src/train/soft-prompt-io.js";
import { PromptTuning } from "../../src/train/soft-prompt.js";
import { LoRALinear } from "../../src/nn/lora.js";
import { projectionSlots } from "../../src/nn/swap.js";
import { randn } from "../../src/core/tensor.js";
import { Rng } from "../../src/core/rng.js";
import type { Module } from "../../src/nn/module.js";
import type { GenParams } from "../../src/serve/protocol.js";
import { tinyModel } from "./helpers.js";

const greedy = (maxTokens: number): GenParams => ({ maxTokens, temperature: 0, stop: [], frequencyPenalty: 0, presencePenalty: 0, repetitionPenalty: 1,
  logitBias: [], logprobs: false, topLogprobs: 0, json: null });

function runAll(e: Engine, reqs: { adapter: string | null; text: string }[], n: number): string[] {
  const texts = reqs.map(() => "");
  reqs.forEach((r, i) => e.submit(i, r.adapter, { kind: "text", text: r.text }, greedy(n)));
  let steps = 0;
  while (e.busy) {
    const r = e.step();
    for (const ev of r.events) texts[ev.id] += ev.text;
    steps++;
  }
  assert.ok(steps < n + 10, `${steps} steps: decoding was batched`);
  return texts;
}

const PROMPTS = ["Once upon a time there was a fox", "Add 3 and 4.", "the red cat sees a blue apple and the dog eats a small fish"];

describe("Engine", () => {
  it("concurrent greedy requests equal solo generate()", async () => {
    const l = load(tinyModel());
    const solo = await Promise.all(PROMPTS.map((p) => generate(l.model, l.tokenizer, p, { temperature: 0, maxTokens: 12, ctx: 512 }).then((r) => r.text)));
    const e = new Engine(l.model, l.tokenizer!, null, { parallel: 3, ctx: 512, batchTokens: 8 });
    const texts = runAll(e, PROMPTS.map((text) => ({ adapter: null, text })), 12);
    assert.deepEqual(texts, solo);
    assert.equal(e.cachesMade, 3);
  });

  it("LoRA and soft-prompt adapters share batches with the base model and match in-place application", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-engine-"));
    const src = load(tinyModel());
    applyLora(src.model as unknown as Module, ["q", "v", "up"], { rank: 4, alpha: 8 });
    const rng = new Rng(5);
    for (const s of projectionSlots(src.model as unknown as Module)) {
      if (s.layer instanceof LoRALinear) s.layer.loraB = randn(s.layer.loraB.shape, { rng, std: 0.5 });
    }
    savePeftAdapter(join(dir, "lora"), src.model as unknown as Module, src.config, { rank: 4, alpha: 8 });
    const prefix = randn([3, src.config.dim], { rng, std: 1 });
    saveSoftPrompt(join(dir, "soft"), new PromptTuning(prefix));

    const base = load(tinyModel());
    const ref = load(tinyModel());
    loadPeftAdapter(join(dir, "lora"), ref.model as unknown as Module, ref.config);
    const opts = { temperature: 0, maxTokens: 10, ctx: 512 };
    const want = [
      (await generate(base.model, base.tokenizer, PROMPTS[0]!, opts)).text,
      (await generate(ref.model, ref.tokenizer, PROMPTS[1]!, opts)).text,
      (await generate(base.model, base.tokenizer, PROMPTS[2]!, { ...opts, prefix })).text,
      (await generate(ref.model, ref.tokenizer, PROMPTS[2]!, opts)).text,
    ];
    assert.notEqual(want[1], (await generate(base.model, base.tokenizer, PROMPTS[1]!, opts)).text, "the adapter changes the output");

    const l = load(tinyModel());
    const e = new Engine(l.model, l.tokenizer!, null, { parallel: 4, ctx: 512, batchTokens: 64 });
    assert.deepEqual(loadAdapter(l.model, e.router, "lora", join(dir, "lora")), { kind: "lora" });
    const soft = loadAdapter(l.model, e.router, "soft", join(dir, "soft"));
    assert.equal(soft.kind, "soft-prompt");
    if (soft.kind === "soft-prompt") e.prefixes.set("soft", soft.prefix);
    const got = runAll(e, [{ adapter: null, text: PROMPTS[0]! }, { adapter: "lora", text: PROMPTS[1]! }, { adapter: "soft", text: PROMPTS[2]! },
      { adapter: "lora", text: PROMPTS[2]! }], 10);
    assert.deepEqual(got, want);
  });

  it("cancel frees the slot and the cache is reused", () => {
    const l = load(tinyModel());
    const e = new Engine(l.model, l.tokenizer!, null, { parallel: 1, ctx: 512, batchTokens: 64 });
    e.submit(1, null, { kind: "text", text: "Once" }, greedy(50));
    e.submit(2, null, { kind: "text", text: "Once" }, greedy(3));
    e.step();
    assert.deepEqual(e.stats.queued, 1);
    assert.equal(e.cancel(1)?.finish, "abort");
    while (e.busy) e.step();
    assert.equal(e.cachesMade, 1);
  });
});
