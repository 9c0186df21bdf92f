// The real-model check: stories260K (F32 and its llama.cpp-written quantised variants) reproduces the reference greedy ids.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { load } from "../../src/load/index.js";
import { generate } from "../../src/generate/generate.js";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";

describe("stories260K goldens", () => {
  it("200 greedy tokens from BOS match stories260K.greedy.json", async (t) => {
    const model = fixturePath("models/stories260K/stories260K.gguf");
    const golden = fixturePath("models/stories260K/stories260K.greedy.json");
    if (!model || !golden) return t.skip(missingFixture("models/stories260K"));
    const g = JSON.parse(readFileSync(golden, "utf8")) as { prompt_token_ids: number[]; generated_token_ids: number[] };
    const { model: m, tokenizer } = load(model);
    const r = await generate(m, tokenizer, g.prompt_token_ids, { temperature: 0, maxTokens: g.generated_token_ids.length, stopAtEos: false });
    assert.deepEqual(r.tokens, g.generated_token_ids);
  });

  const goldenPath = fixturePath("models/stories260K/quantized/stories260K-quant-greedy.json");
  const variants = goldenPath
    ? (JSON.parse(readFileSync(goldenPath, "utf8")) as { prompt: string; prompt_token_ids: number[]; variants: Record<string, { file: string; generated_token_ids: number[] }> })
    : null;
  for (const [name, v] of Object.entries(variants?.variants ?? { missing: { file: "", generated_token_ids: [] } })) {
    it(`${name}: 'Once upon a time' tokenises like llama.cpp and continues as llama.cpp does`, async (t) => {
      if (!variants) return t.skip(missingFixture("models/stories260K/quantized"));
      const rel = v.file.startsWith("stories260K.gguf") ? "models/stories260K/stories260K.gguf" : `models/stories260K/quantized/${v.file}`;
      const path = fixturePath(rel);
      if (!path) return t.skip(missingFixture(rel));
      const { model, tokenizer } = load(path);
      assert.deepEqual(tokenizer!.encode(variants.prompt), variants.prompt_token_ids);
      const r = await generate(model, tokenizer, variants.prompt, { temperature: 0, maxTokens: v.generated_token_ids.length, stopAtEos: false });
      assert.deepEqual(r.tokens, v.generated_token_ids);
    });
  }
});
