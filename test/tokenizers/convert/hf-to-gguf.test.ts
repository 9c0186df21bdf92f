// Hugging Face tokenizers -> GGUF tokenizer.ggml.* metadata: the GGUF tokenizer weft builds from the result gives the
// HF ids on llama.cpp's vectors (gpt2 vocab.json/merges.txt, phi-3-mini and torchtune tokenizer.json); GGUF ->
// tokenizer.json -> GGUF keeps every fixture's ids.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { test } from "node:test";
import { ggufVocabFromHf, hfSourceFromFolder, hfSourceFromJson, hfTokenizerFromGguf } from "../../../src/tokenizers/convert/index.js";
import { tokenizerFromGguf, type Tokenizer } from "../../../src/tokenizers/index.js";
import { FormatError, UnsupportedError } from "../../../src/util/errors.js";
import { fixturePath, missingFixture } from "../../helpers/fixtures.js";
import { fixtureMetadata, readVectors, VECTOR_VOCABS, VOCAB_DIR, type Vector } from "../vocab-fixtures.js";

const TOK = "tokenizers/";

function vectors(vocab: string): Vector[] {
  return readVectors(fixturePath(VOCAB_DIR + vocab)!);
}

/** Vectors on which `a` and `b` give different ids, and on which `a` misses the expected ids. */
function check(a: Tokenizer, b: Tokenizer, vs: Vector[], expectIds: boolean): string[] {
  const bad: string[] = [];
  for (const { text, ids } of vs) {
    const x = a.encode(text, { addBos: false, addEos: false }), y = b.encode(text, { addBos: false, addEos: false });
    if (x.join(" ") !== y.join(" ")) bad.push(`${JSON.stringify(text).slice(0, 40)}: [${x.join(" ")}] vs [${y.join(" ")}]`);
    else if (expectIds && x.join(" ") !== ids.join(" ")) bad.push(`${JSON.stringify(text).slice(0, 40)}: expected [${ids.join(" ")}] got [${x.join(" ")}]`);
  }
  return bad;
}

test("gpt2 vocab.json + merges.txt -> GGUF gpt2 vocabulary equal to llama.cpp's ggml-vocab-gpt-2 (tokens, merges, ids)", (t) => {
  const dir = fixturePath(TOK + "gpt2"), ref = fixtureMetadata(VOCAB_DIR + "ggml-vocab-gpt-2.gguf");
  if (!dir || !ref) return void t.skip(missingFixture("tokenizers/gpt2 and ggml-vocab-gpt-2.gguf"));
  const src = hfSourceFromFolder(dir)!;
  const v = ggufVocabFromHf(src);
  assert.deepEqual([v.model, v.pre, v.warnings], ["gpt2", "gpt-2", []]);
  assert.deepEqual(v.metadata.get("tokenizer.ggml.tokens"), ref.get("tokenizer.ggml.tokens"));
  assert.deepEqual(v.metadata.get("tokenizer.ggml.merges"), ref.get("tokenizer.ggml.merges"));
  assert.equal(v.metadata.get("tokenizer.ggml.eos_token_id"), 50256);
  const bad = check(tokenizerFromGguf(v.metadata), src.tokenizer, vectors("ggml-vocab-gpt-2.gguf"), true);
  t.diagnostic(`gpt2: ${46 - bad.length}/46 vectors`);
  assert.deepEqual(bad, []);
});

test("phi-3-mini tokenizer.json -> GGUF llama vocabulary (scores = -merge rank, byte/control/user-defined types, padding)", (t) => {
  const dir = fixturePath(TOK + "phi-3-mini");
  if (!dir || !fixturePath(VOCAB_DIR + "ggml-vocab-phi-3.gguf.out")) return void t.skip(missingFixture("tokenizers/phi-3-mini and ggml-vocab-phi-3.gguf.out"));
  const src = hfSourceFromFolder(dir)!;
  const v = ggufVocabFromHf(src, 32064);
  assert.deepEqual([v.model, v.warnings], ["llama", []]);
  const tokens = v.metadata.get("tokenizer.ggml.tokens") as string[];
  const types = v.metadata.get("tokenizer.ggml.token_type") as Int32Array;
  const scores = v.metadata.get("tokenizer.ggml.scores") as Float32Array;
  assert.equal(tokens.length, 32064);
  const type = (text: string) => types[tokens.indexOf(text)];
  assert.deepEqual([type("<unk>"), type("<s>"), type("</s>"), type("<0x0A>"), type("<|end|>"), type("\u2581the")], [2, 3, 4, 6, 3, 1]);
  assert.deepEqual([tokens[32063], types[32063]], ["[PAD32063]", 5]);
  assert.equal(scores[tokens.indexOf("\u2581t")], -0, "the first merge (▁ t) makes the best-scoring token");
  assert.equal(v.metadata.get("tokenizer.ggml.add_space_prefix"), true);
  assert.equal(v.metadata.get("tokenizer.ggml.add_bos_token"), false, "phi-3-mini's tokenizer_config says add_bos_token: false");
  assert.equal(typeof v.metadata.get("tokenizer.chat_template"), "string");
  const bad = check(tokenizerFromGguf(v.metadata), src.tokenizer, vectors("ggml-vocab-phi-3.gguf"), true);
  t.diagnostic(`phi-3-mini: ${46 - bad.length}/46 vectors`);
  assert.deepEqual(bad, []);
});

// HF's Metaspace adds no "▁" to a text that starts with a space; llama.cpp's add_space_prefix always does: those texts
// differ (and the conversion says so), every other text tokenises alike.
test("a Metaspace pre-tokenizer converts to add_space_prefix; texts starting with a space are reported as differing", (t) => {
  const p = fixturePath(TOK + "phi-3-mini/tokenizer.json");
  if (!p || !fixturePath(VOCAB_DIR + "ggml-vocab-phi-3.gguf.out")) return void t.skip(missingFixture("phi-3-mini/tokenizer.json"));
  const json = JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;
  json.normalizer = null;
  json.pre_tokenizer = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: false };
  const src = hfSourceFromJson(json, { add_bos_token: false });
  const v = ggufVocabFromHf(src);
  assert.equal(v.metadata.get("tokenizer.ggml.add_space_prefix"), true);
  assert.ok(v.warnings.length > 0 && v.warnings.every((w) => w.startsWith('ids differ on " ') || w.startsWith('ids differ on "  ')), v.warnings.join("\n"));
  const plain = vectors("ggml-vocab-phi-3.gguf").filter((x) => !/^\s/.test(x.text));
  assert.deepEqual(check(tokenizerFromGguf(v.metadata), src.tokenizer, plain, true), []);
});

test("a llama-3 style pre_tokenizer (Split regex + ByteLevel, ignore_merges) is recognised as llama-bpe", (t) => {
  const dir = fixturePath(TOK + "torchtune");
  if (!dir || !fixturePath(VOCAB_DIR + "ggml-vocab-gpt-2.gguf.inp")) return void t.skip(missingFixture("tokenizers/torchtune"));
  const src = hfSourceFromFolder(dir)!;
  const v = ggufVocabFromHf(src);
  assert.deepEqual([v.model, v.pre, v.warnings], ["gpt2", "llama-bpe", []]);
  assert.deepEqual(check(tokenizerFromGguf(v.metadata), src.tokenizer, vectors("ggml-vocab-gpt-2.gguf"), false), []);
});

test("unsupported vocabularies and size mismatches are refused with typed errors", (t) => {
  const t5 = fixturePath(TOK + "t5-small"), gpt2 = fixturePath(TOK + "gpt2");
  if (!t5 || !gpt2) return void t.skip(missingFixture("tokenizers/t5-small, tokenizers/gpt2"));
  assert.throws(() => ggufVocabFromHf(hfSourceFromFolder(t5)!), UnsupportedError);
  assert.throws(() => ggufVocabFromHf(hfSourceFromFolder(gpt2)!, 1000), (e) => e instanceof FormatError && /vocab_size is 1000/.test(e.message));
});

for (const rel of VECTOR_VOCABS) {
  test(`GGUF -> tokenizer.json -> GGUF keeps the ids: ${basename(rel)}`, (t) => {
    const md = fixtureMetadata(rel), path = fixturePath(rel);
    if (!md || !path) return void t.skip(missingFixture(rel));
    const f = hfTokenizerFromGguf(md);
    const src = hfSourceFromJson(JSON.parse(JSON.stringify(f.tokenizer)), JSON.parse(JSON.stringify(f.config)), undefined, f.generation);
    const back = ggufVocabFromHf(src);
    // llama.cpp's WordPiece keeps only the first code point of a decomposed character (Hangul syllables lose all but
    // their first jamo); HF's BertNormalizer keeps the jamo: only the Hangul probe text may differ
    assert.deepEqual(back.warnings.filter((w) => !(f.model === "bert" && w.includes("\ud55c\uad6d\uc5b4"))), []);
    assert.equal(back.model, f.model);
    const orig = tokenizerFromGguf(md), again = tokenizerFromGguf(back.metadata);
    assert.deepEqual(back.metadata.get("tokenizer.ggml.tokens"), [...(md.get("tokenizer.ggml.tokens") as string[])].map((s, i) => (s === "" ? `[PAD${i}]` : s)));
    assert.deepEqual([again.bos, again.eos, again.addBos, again.addEos], [orig.bos, orig.eos, orig.addBos, orig.addEos]);
    if (md.has("tokenizer.ggml.pre") && f.model === "gpt2") {
      const want = md.get("tokenizer.ggml.pre") === "mpt" ? "gpt-2" : md.get("tokenizer.ggml.pre"); // same split as gpt-2
      assert.equal(back.pre, want);
    }
    if (md.has("tokenizer.chat_template")) assert.equal(back.metadata.get("tokenizer.chat_template"), md.get("tokenizer.chat_template"));
    const bad = check(again, orig, readVectors(path), true);
    t.diagnostic(`${basename(rel)}: ${46 - bad.length}/46 vectors after the round trip`);
    assert.deepEqual(bad, []);
  });
}
