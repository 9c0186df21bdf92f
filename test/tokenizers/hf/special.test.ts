// HF tokenizer behaviour around special tokens: parseSpecial, added-token flags, BOS/EOS rules, end-of-generation
// ids, decoding with skipSpecial and the UTF-8-safe stream decoder; crafted bad inputs give typed errors.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tokenizerFromHfFolder, tokenizerFromHfJson, tokenizerFromVocabMerges } from "../../../src/tokenizers/hf/index.js";
import { ArgumentError, FormatError, UnsupportedError, ValueError } from "../../../src/util/errors.js";
import { fixturePath, missingFixture } from "../../helpers/fixtures.js";
import { EOT, IM_END, IM_START, MASK, syntheticConfig, syntheticTokenizerJson, THINK, WORD } from "./synthetic.js";

const synthetic = () => tokenizerFromHfJson(syntheticTokenizerJson(), syntheticConfig());

test("special tokens become ids only with parseSpecial; non-special added tokens always", () => {
  const tok = synthetic();
  const text = "<|im_start|>user\nhi<|im_end|> <think>";
  const on = tok.encode(text, { parseSpecial: true });
  const off = tok.encode(text);
  assert.equal(on[0], IM_START);
  assert.ok(on.includes(IM_END));
  assert.ok(!off.includes(IM_START) && !off.includes(IM_END), "user text never becomes control tokens");
  assert.equal(off[off.length - 1], THINK, "<think> is added but not special: matched either way");
  assert.equal(tok.decode(off), text);
  assert.equal(tok.decode(on), text);
  assert.equal(tok.decode(on, { skipSpecial: true }), "user\nhi <think>");
});

test("added-token flags: lstrip swallows spaces before, single_word needs word boundaries", () => {
  const tok = synthetic();
  const ids = tok.encode("a   <mask>", { parseSpecial: true });
  assert.deepEqual(ids, [...tok.encode("a"), MASK]);
  assert.ok(tok.encode("x [W] y").includes(WORD));
  assert.ok(!tok.encode("x[W]y").includes(WORD), "single_word token inside a word stays text");
});

test("BOS/EOS: config flags win, else the post-processor; end-of-generation ids", (t) => {
  const tok = synthetic();
  assert.equal(tok.bos, null);
  assert.equal(tok.eos, IM_END);
  assert.equal(tok.addBos, false);
  assert.ok(tok.isEog(IM_END) && tok.isEog(EOT) && !tok.isEog(IM_START));
  assert.ok(tok.isSpecial(IM_START) && tok.isSpecial(EOT) && !tok.isSpecial(THINK));
  const withBos = tokenizerFromHfJson(syntheticTokenizerJson(), { bos_token: "<|endoftext|>", add_bos_token: true, add_eos_token: true, eos_token: "<|im_end|>" });
  assert.deepEqual(withBos.encode("hi"), [EOT, ...tok.encode("hi"), IM_END]);
  assert.deepEqual(withBos.encode("hi", { addBos: false, addEos: false }), tok.encode("hi"));
  const named = tokenizerFromHfJson(syntheticTokenizerJson(), { eos_token: "<think>" });
  assert.ok(named.isSpecial(THINK) && named.isEog(THINK), "a token the config names (eos) is special even if tokenizer.json says not");
  assert.ok(!named.encode("a<think>").includes(THINK));

  const t5 = fixturePath("tokenizers/t5-small");
  if (!t5) return void t.skip(missingFixture("tokenizers/t5-small"));
  const t5tok = tokenizerFromHfFolder(t5);
  assert.equal(t5tok.addEos, true, "T5's post_processor appends </s>");
  assert.equal(t5tok.encode("Hi").at(-1), 1);
  assert.equal(t5tok.encode("Hi", { addEos: false }).at(-1) === 1, false);
  const tt = fixturePath("tokenizers/torchtune");
  if (tt) {
    const tk = tokenizerFromHfFolder(tt);
    assert.equal(tk.bos, 0, "generation_config bos_token_id when the config's bos is not in the vocabulary");
    assert.equal(tk.eos, null, "eos_token_id -1 means none");
  }
});

test("phi-3-mini: chat markers, rstrip, EOS and EOT from the config", (t) => {
  const p = fixturePath("tokenizers/phi-3-mini");
  if (!p) return void t.skip(missingFixture("tokenizers/phi-3-mini"));
  const tok = tokenizerFromHfFolder(p);
  assert.equal(tok.bos, 1);
  assert.equal(tok.eos, 32000); // <|endoftext|>
  assert.equal(tok.addBos, false); // add_bos_token: false
  assert.equal(tok.eot, 32007); // <|end|>
  assert.ok(tok.isEog(32007) && tok.isEog(32000));
  const ids = tok.encode("<|user|>\nHello<|end|>", { parseSpecial: true });
  assert.deepEqual(ids, [32010, 15043, 32007], "<|user|> has rstrip: the newline goes");
  assert.ok(!tok.encode("<|user|>\nHello<|end|>").some((id) => id >= 32000), "no marker ids without parseSpecial");
  assert.ok(tok.encode("x</s>").includes(2), "</s> is a non-special added token here (HF and llama.cpp's phi-3 GGUF agree)");
});

test("stream decoder never emits part of a UTF-8 character (byte-level and byte-fallback)", (t) => {
  const text = "héllo wörld 😀 日本語 ok";
  const toks = [synthetic()];
  const phi = fixturePath("tokenizers/phi-3-mini");
  if (phi) toks.push(tokenizerFromHfFolder(phi));
  else t.diagnostic(missingFixture("tokenizers/phi-3-mini"));
  for (const tok of toks) {
    const ids = tok.encode(text);
    const s = tok.streamDecoder();
    const chunks = ids.map((id) => s.push(id));
    chunks.push(s.flush());
    for (const c of chunks) assert.ok(!c.includes("\uFFFD"), `chunk ${JSON.stringify(c)} holds a broken character`);
    assert.equal(chunks.join(""), text);
    assert.ok(chunks.some((c) => c === ""), "some tokens end inside a character");
  }
  const tok = synthetic();
  const lone = tok.streamDecoder();
  assert.equal(lone.push(tok.encode("😀")[0]!), "");
  assert.equal(lone.flush(), "\uFFFD");
  assert.equal(tok.tokenToPiece(IM_START), "<|im_start|>");
  assert.deepEqual([...tok.tokenToBytes!(tok.encode("é")[0]!)], [0xc3]);
});

test("vocab.json + merges.txt folders and pairs", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "weft-hf-"));
  try {
    const json = syntheticTokenizerJson();
    const model = json.model as { vocab: Record<string, number>; merges: string[] };
    writeFileSync(join(dir, "vocab.json"), JSON.stringify(model.vocab));
    writeFileSync(join(dir, "merges.txt"), "#version: 0.2\n" + model.merges.join("\n") + "\n");
    const tok = tokenizerFromHfFolder(dir);
    assert.deepEqual(tok.encode("the user"), synthetic().encode("the user"));
    assert.equal(tok.vocabSize, 256 + model.merges.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const gpt2 = fixturePath("tokenizers/gpt2");
  if (!gpt2) return void t.skip(missingFixture("tokenizers/gpt2"));
  const g = tokenizerFromHfFolder(gpt2);
  assert.equal(g.vocabSize, 50257);
  assert.equal(g.eos, 50256);
  assert.equal(g.bos, 50256);
  assert.ok(g.isEog(50256));
  assert.deepEqual(g.encode("<|endoftext|>", { parseSpecial: true }), [50256]);
  assert.ok(!g.encode("<|endoftext|>").includes(50256));
});

test("malformed tokenizer files give typed errors", () => {
  const bad = (mut: (j: Record<string, unknown>) => void) => {
    const j = syntheticTokenizerJson();
    mut(j);
    return () => tokenizerFromHfJson(j);
  };
  assert.throws(() => tokenizerFromHfJson(42), FormatError);
  assert.throws(bad((j) => delete j.model), FormatError);
  assert.throws(bad((j) => ((j.model as Record<string, unknown>).vocab = { a: -1 })), FormatError);
  assert.throws(bad((j) => ((j.model as Record<string, unknown>).vocab = { a: 2 ** 40 })), FormatError);
  assert.throws(bad((j) => ((j.model as Record<string, unknown>).merges = ["nospace"])), FormatError);
  assert.throws(bad((j) => ((j.model as Record<string, unknown>).type = "Mystery")), UnsupportedError);
  assert.throws(bad((j) => (j.decoder = { type: "CTC" })), UnsupportedError);
  assert.throws(bad((j) => (j.added_tokens = [{ id: 1.5, content: "x" }])), FormatError);
  assert.throws(bad((j) => (j.added_tokens = [{ id: 3, content: "" }])), FormatError);
  assert.throws(bad((j) => (j.post_processor = { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<x>" } }], special_tokens: {} })), FormatError);
  assert.throws(bad((j) => (j.post_processor = { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<x>" } }], special_tokens: { "<x>": { ids: [99999] } } })), FormatError);
  assert.throws(() => tokenizerFromHfJson(syntheticTokenizerJson(), { bos_token: 5 }), FormatError);
  assert.throws(() => tokenizerFromVocabMerges({ a: 0 }, "a b c\n"), FormatError);
  assert.throws(() => tokenizerFromHfFolder("/nonexistent/weft"), ArgumentError);
  const tok = synthetic();
  assert.throws(() => tok.decode([tok.vocabSize]), ValueError);
  assert.throws(() => tok.tokenToPiece(-1), ValueError);
});

test("lone surrogates and empty text", () => {
  const tok = synthetic();
  assert.deepEqual(tok.encode(""), []);
  assert.equal(tok.decode(tok.encode("a\uD800b")), "a\uFFFDb");
});
