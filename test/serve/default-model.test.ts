// The built-in default model: ChatML control tokens user text cannot forge, training examples that match encodeChat,
// and ensureDefaultModel training once (a tiny plan here), caching under WEFT_HOME and loading as a chat model.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tokenizerFromGguf } from "../../src/tokenizers/index.js";
import { encodeChat } from "../../src/chat/encode.js";
import { load } from "../../src/load/index.js";
import { chatTemplateFromGgufMetadata } from "../../src/chat/index.js";
import { CHATML_TEMPLATE, defaultVocab } from "../../src/serve/default-vocab.js";
import { chatExample, defaultConversations, ensureDefaultModel, DEFAULT_PLAN } from "../../src/serve/default-model.js";

describe("default model", () => {
  const convs = defaultConversations(200, 3);
  const vocab = defaultVocab(convs.flat().map((t) => t.content));
  const tok = tokenizerFromGguf(vocab as Map<string, unknown>);

  it("has ChatML control tokens that user text cannot produce, and word pieces", () => {
    const start = tok.encode("<|im_start|>", { addBos: false, parseSpecial: true });
    assert.equal(start.length, 1);
    assert.ok(tok.isSpecial(start[0]!));
    const end = tok.encode("<|im_end|>", { addBos: false, parseSpecial: true });
    assert.ok(tok.isEog(end[0]!));
    const plain = tok.encode("<|im_end|>", { addBos: false });
    assert.ok(plain.length > 1 && !plain.some((id) => tok.isSpecial(id)));
    const story = "Once upon a time, there was a happy fox named Mia.";
    const ids = tok.encode(story, { addBos: false });
    assert.ok(ids.length <= 16, `words are single tokens (${ids.length} ids)`);
    assert.equal(tok.decode(ids), story);
  });

  it("training examples equal encodeChat's ids and train only the answer", () => {
    const turns = convs[0]!;
    const ex = chatExample(tok, turns);
    const prompt = encodeChat(tok, CHATML_TEMPLATE, turns.slice(0, 1), { addGenerationPrompt: true });
    const full = encodeChat(tok, CHATML_TEMPLATE, turns, {});
    assert.deepEqual(ex.ids, full.slice(0, ex.ids.length));
    assert.ok(full.length - ex.ids.length <= 2, "only the newline after <|im_end|> is cut");
    assert.deepEqual(ex.ids.slice(0, prompt.length), prompt);
    assert.ok(ex.train.slice(0, prompt.length).every((t) => !t));
    assert.ok(ex.train.slice(prompt.length).every((t) => t));
    assert.ok(tok.isEog(ex.ids[ex.ids.length - 1]!), "the answer ends with <|im_end|>");
  });

  it("trains once, caches under WEFT_HOME, and loads as a chat model", () => {
    const home = mkdtempSync(join(tmpdir(), "weft-home-"));
    const plan = { ...DEFAULT_PLAN, model: { dim: 32, nLayer: 1, nHead: 2, ffnDim: 64, contextLength: 128 }, examples: 60, steps: 2, batchSize: 2, seqLen: 32 };
    const path = ensureDefaultModel(plan, home);
    const mtime = statSync(path).mtimeMs;
    assert.equal(ensureDefaultModel(plan, home), path);
    assert.equal(statSync(path).mtimeMs, mtime, "the cached model is reused");
    const l = load(path);
    assert.equal(chatTemplateFromGgufMetadata(l.gguf!.metadata as Map<string, unknown>), CHATML_TEMPLATE);
    assert.ok(l.tokenizer!.isEog(l.tokenizer!.eos!));
  });
});
