// GGUF vocabularies -> tokenizer.json + tokenizer_config.json: every fixture with llama.cpp vectors gives the same ids
// through tokenizerFromHfJson, special tokens and end-of-generation ids carry over, SPM merges equal HF's converter.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { test } from "node:test";
import { hfTokenizerFromGguf } from "../../../src/tokenizers/convert/index.js";
import { tokenizerFromHfJson } from "../../../src/tokenizers/hf/index.js";
import { tokenizerFromGguf } from "../../../src/tokenizers/index.js";
import { fixturePath, missingFixture } from "../../helpers/fixtures.js";
import { fixtureMetadata, readVectors, VECTOR_VOCABS, VOCAB_DIR } from "../vocab-fixtures.js";

/** The files as they come back from disk (JSON text round trip). */
function converted(md: Map<string, unknown>) {
  const f = hfTokenizerFromGguf(md);
  return { ...f, tokenizer: JSON.parse(JSON.stringify(f.tokenizer)), config: JSON.parse(JSON.stringify(f.config)) };
}

for (const rel of VECTOR_VOCABS) {
  test(`GGUF -> tokenizer.json reproduces the llama.cpp vectors: ${basename(rel)}`, (t) => {
    const path = fixturePath(rel);
    if (path === null || !existsSync(path + ".out")) return void t.skip(missingFixture(rel + " (.inp/.out)"));
    const md = fixtureMetadata(rel)!;
    const files = converted(md);
    const hf = tokenizerFromHfJson(files.tokenizer, files.config);
    const gg = tokenizerFromGguf(md);
    const failures: string[] = [];
    const vectors = readVectors(path);
    for (const { text, ids } of vectors) {
      const got = hf.encode(text, { addBos: false, addEos: false });
      if (got.join(" ") !== ids.join(" ")) failures.push(`${JSON.stringify(text).slice(0, 50)}: expected [${ids.join(" ")}] got [${got.join(" ")}]`);
      if (files.model !== "bert") assert.equal(hf.decode(got), gg.decode(got), `decode ${JSON.stringify(text).slice(0, 40)}`);
    }
    t.diagnostic(`${basename(rel)} (${files.model}): ${vectors.length - failures.length}/${vectors.length} vectors pass`);
    assert.ok(vectors.length > 40);
    assert.deepEqual(failures, []);
    assert.deepEqual([hf.bos, hf.addBos, hf.addEos, hf.vocabSize], [gg.bos, gg.addBos, gg.addEos, gg.vocabSize]);
    if (files.model !== "bert") assert.equal(hf.eos, gg.eos); // WordPiece: HF takes [SEP] as eos, llama.cpp has none
    for (let id = 0; id < gg.vocabSize; id++) {
      if (files.model !== "bert" && hf.isEog(id) !== gg.isEog(id)) assert.fail(`end-of-generation differs for ${id} ${JSON.stringify(gg.tokenText(id))}`);
      if (hf.isSpecial(id) !== gg.isSpecial(id)) assert.fail(`special differs for ${id} ${JSON.stringify(gg.tokenText(id))}`);
    }
  });
}

test("SentencePiece merges derived from the phi-3 GGUF scores equal phi-3-mini tokenizer.json's (HF's converter)", (t) => {
  const rel = VOCAB_DIR + "ggml-vocab-phi-3.gguf", hfRel = "tokenizers/phi-3-mini/tokenizer.json";
  const md = fixtureMetadata(rel), hfPath = fixturePath(hfRel);
  if (!md || !hfPath) return void t.skip(missingFixture(`${rel} and ${hfRel}`));
  const ours = hfTokenizerFromGguf(md).tokenizer.model as { merges: string[]; byte_fallback: boolean };
  const theirs = (JSON.parse(readFileSync(hfPath, "utf8")) as { model: { merges: string[] } }).model.merges;
  assert.equal(ours.byte_fallback, true);
  assert.equal(ours.merges.length, theirs.length);
  assert.deepEqual(ours.merges, theirs);
});

test("tokenizer_config.json carries the chat template, special tokens, add_bos_token and added-token flags", (t) => {
  const md = fixtureMetadata(VOCAB_DIR + "ggml-vocab-phi-3.gguf");
  if (!md) return void t.skip(missingFixture(VOCAB_DIR + "ggml-vocab-phi-3.gguf"));
  const { config, tokenizer, generation } = converted(md);
  assert.equal(config.chat_template, md.get("tokenizer.chat_template"));
  assert.deepEqual([config.bos_token, config.eos_token, config.unk_token, config.pad_token], ["<s>", "<|endoftext|>", "<unk>", "<|endoftext|>"]);
  assert.equal(config.add_bos_token, true);
  assert.equal(config.add_eos_token, false);
  const added = tokenizer.added_tokens as { id: number; content: string; special: boolean; rstrip: boolean }[];
  const end = added.find((a) => a.content === "<|end|>")!;
  assert.deepEqual([end.id, end.special, end.rstrip], [32007, true, true]); // phi-3: specials swallow the spaces after them
  const eos = added.find((a) => a.content === "</s>")!;
  assert.equal(eos.special, false, "</s> is a user-defined (always matched) token in this vocabulary");
  assert.ok(Array.isArray(generation.eos_token_id) && (generation.eos_token_id as number[]).includes(32007), "<|end|> ends generation");
  const hf = tokenizerFromHfJson(tokenizer, config);
  assert.deepEqual(hf.encode("<|user|>\nhi<|end|>", { parseSpecial: true, addBos: false }), tokenizerFromGguf(md).encode("<|user|>\nhi<|end|>", { parseSpecial: true, addBos: false }));
});

test("byte-level pre-tokenisers become ByteLevel (gpt-2) or Split regexes + ByteLevel (others)", (t) => {
  const gpt2 = fixtureMetadata(VOCAB_DIR + "ggml-vocab-gpt-2.gguf"), falcon = fixtureMetadata(VOCAB_DIR + "ggml-vocab-falcon.gguf");
  if (!gpt2 || !falcon) return void t.skip(missingFixture("ggml-vocab-gpt-2.gguf, ggml-vocab-falcon.gguf"));
  assert.deepEqual(hfTokenizerFromGguf(gpt2).tokenizer.pre_tokenizer, { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true });
  const pre = hfTokenizerFromGguf(falcon).tokenizer.pre_tokenizer as { type: string; pretokenizers: { type: string; pattern?: { Regex: string } }[] };
  assert.equal(pre.type, "Sequence");
  assert.deepEqual(pre.pretokenizers.map((p) => p.type), ["Split", "Split", "Split", "ByteLevel"]);
  assert.ok(pre.pretokenizers[1]!.pattern!.Regex.includes("\\s+(?!\\S)"), "HF (Oniguruma) syntax: \\s, not \\p{White_Space}");
});
