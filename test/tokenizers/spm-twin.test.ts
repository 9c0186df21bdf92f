// The segmented, cached SentencePiece path against llama.cpp's single-session algorithm (its slow twin).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { tokenizerFromGguf } from "../../src/tokenizers/index.js";
import { Meta } from "../../src/tokenizers/meta.js";
import { spmTokenize } from "../../src/tokenizers/spm.js";
import { loadVocab } from "../../src/tokenizers/vocab.js";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";
import { fixtureMetadata, fixtureText, readVectors, VOCAB_DIR } from "./vocab-fixtures.js";

for (const rel of [VOCAB_DIR + "ggml-vocab-phi-3.gguf", "models/stories260K/stories260K.gguf"]) {
  test(`SPM fast path equals the whole-text session: ${rel.split("/").pop()}`, (t) => {
    const m = fixtureMetadata(rel);
    if (!m) return void t.skip(missingFixture(rel));
    const tok = tokenizerFromGguf(m);
    const vocab = loadVocab(new Meta(m));
    const inputs = fixturePath("tokenizers/test-vectors/swift-transformers/multilingual/inputs.json");
    const extra = inputs ? (JSON.parse(readFileSync(inputs, "utf8")) as { text: string }[]).map((x) => x.text) : [];
    const texts = [
      ...readVectors(fixturePath(rel)!).map((v) => v.text), ...extra,
      fixtureText("text/war-and-peace/war-and-peace.txt")?.slice(0, 20000) ?? "", "▁▁ ▁x▁", "  \u2581\u2581y",
    ];
    for (const text of texts) {
      const slow: number[] = [];
      if (text !== "") spmTokenize(vocab, ("▁" + text).replaceAll(" ", "▁"), slow);
      assert.deepEqual(tok.encode(text, { addBos: false }), slow, JSON.stringify(text.slice(0, 40)));
    }
  });
}
