// llama.cpp's tokenizer test vectors (and HF reference encodings) reproduced id for id from GGUF vocabularies.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { test } from "node:test";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";
import { fixtureTokenizer, readVectors, VECTOR_VOCABS, VOCAB_DIR } from "./vocab-fixtures.js";

for (const rel of VECTOR_VOCABS) {
  test(`llama.cpp vectors: ${basename(rel)}`, (t) => {
    const path = fixturePath(rel);
    if (path === null || !existsSync(path + ".inp") || !existsSync(path + ".out")) {
      t.skip(missingFixture(rel + " (.inp/.out)"));
      return;
    }
    const tok = fixtureTokenizer(rel)!;
    const vectors = readVectors(path);
    const failures: string[] = [];
    for (const { text, ids } of vectors) {
      const got = tok.encode(text, { addBos: false, addEos: false });
      if (got.join(" ") !== ids.join(" ")) {
        failures.push(`${JSON.stringify(text).slice(0, 60)}: expected [${ids.join(" ")}] got [${got.join(" ")}]`);
      }
    }
    t.diagnostic(`${basename(rel)} (${tok.kind}${tok.preTokenizer ? ", pre " + tok.preTokenizer : ""}): ` +
      `${vectors.length - failures.length}/${vectors.length} vectors pass`);
    assert.equal(vectors.length, 46);
    assert.deepEqual(failures, []);
  });
}

test("gpt-neox vocabulary (no pre key, no vectors) loads with llama.cpp's default pre-tokenizer", (t) => {
  const rel = VOCAB_DIR + "ggml-vocab-gpt-neox.gguf";
  const tok = fixtureTokenizer(rel);
  if (!tok) return void t.skip(missingFixture(rel));
  assert.equal(tok.preTokenizer, "default");
  assert.equal(tok.bos, 0);
  assert.equal(tok.addBos, false);
  const text = "Hello world,   with 12345 spaces!\n\n\tdone";
  assert.equal(tok.decode(tok.encode(text)), text);
});

// HF transformers 4.57.1 encodings of 83 multilingual/edge-case inputs (swift-transformers conformance set).
const HF = "tokenizers/test-vectors/swift-transformers/multilingual/";
const HF_CASES: [string, string, { addBos: boolean; addEos: boolean }][] = [
  ["ggml-vocab-gpt-2.gguf", "gpt2_multilingual.json", { addBos: false, addEos: false }],
  ["ggml-vocab-phi-3.gguf", "tinyllama_multilingual.json", { addBos: true, addEos: false }],
];

for (const [vocab, ref, opts] of HF_CASES) {
  test(`HF reference encodings: ${vocab} vs ${ref}`, (t) => {
    const inputsPath = fixturePath(HF + "inputs.json");
    const refPath = fixturePath(HF + ref);
    const tok = fixtureTokenizer(VOCAB_DIR + vocab);
    if (!inputsPath || !refPath || !tok) return void t.skip(missingFixture(HF + ref));
    const inputs = JSON.parse(readFileSync(inputsPath, "utf8")) as { id: string; text: string }[];
    const entries = (JSON.parse(readFileSync(refPath, "utf8")) as { entries: { id: string; input_ids: number[] }[] }).entries;
    const texts = new Map(inputs.map((i) => [i.id, i.text]));
    const failures = entries.filter((e) => tok.encode(texts.get(e.id)!, opts).join(" ") !== e.input_ids.join(" "));
    t.diagnostic(`${vocab}: ${entries.length - failures.length}/${entries.length} HF encodings reproduced`);
    assert.deepEqual(failures.map((f) => f.id), []);
  });
}
