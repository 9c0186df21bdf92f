// generate(): context limits, streaming, stop reasons, on the stories260K fixture.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { load } from "../../src/load/index.js";
import { generate, generateStream } from "../../src/generate/generate.js";
import { ValueError } from "../../src/util/errors.js";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";

const REL = "models/stories260K/stories260K.gguf";

describe("generate", () => {
  it("refuses a prompt that does not fit the context, naming both counts", async (t) => {
    const p = fixturePath(REL);
    if (!p) return t.skip(missingFixture(REL));
    const { model, tokenizer } = load(p);
    await assert.rejects(generate(model, tokenizer, Array(40).fill(5), { ctx: 32 }), (e: unknown) =>
      e instanceof ValueError && /the prompt has 40 tokens but the context holds 32/.test((e as Error).message));
    await assert.rejects(generate(model, tokenizer, [1, 9999]), /outside the vocabulary \[0, 512\)/);
  });
  it("streams text pieces that join to the final text, stops at the length or a stop string", async (t) => {
    const p = fixturePath(REL);
    if (!p) return t.skip(missingFixture(REL));
    const { model, tokenizer } = load(p);
    const it = generateStream(model, tokenizer, "Once upon a time", { temperature: 0, maxTokens: 40 });
    let streamed = "", r;
    while (!(r = await it.next()).done) streamed += r.value.text;
    assert.equal(streamed, r.value.text);
    assert.equal(r.value.finishReason, "length");
    assert.equal(r.value.tokens.length, 40);
    const s = await generate(model, tokenizer, "Once upon a time", { temperature: 0, maxTokens: 40, stop: ["Lily"] });
    assert.equal(s.finishReason, "stop");
    assert.ok(!s.text.includes("Lily") && streamed.startsWith(s.text), s.text);
  });
  it("seeded sampling is reproducible and the f16 KV cache keeps the greedy path", async (t) => {
    const p = fixturePath(REL);
    if (!p) return t.skip(missingFixture(REL));
    const { model, tokenizer } = load(p);
    const a = await generate(model, tokenizer, "The cat", { temperature: 0.9, seed: 5, maxTokens: 30 });
    const b = await generate(model, tokenizer, "The cat", { temperature: 0.9, seed: 5, maxTokens: 30 });
    assert.deepEqual(a.tokens, b.tokens);
    const f32 = await generate(model, tokenizer, "The cat", { temperature: 0, maxTokens: 30 });
    const f16 = await generate(model, tokenizer, "The cat", { temperature: 0, maxTokens: 30, kvType: "f16" });
    assert.deepEqual(f16.tokens, f32.tokens);
  });
});
