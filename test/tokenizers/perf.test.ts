// A loose guard (not a benchmark) against super-linear encoding: 1 MB of English per vocabulary type.
import assert from "node:assert/strict";
import { test } from "node:test";
import { missingFixture } from "../helpers/fixtures.js";
import { fixtureText, fixtureTokenizer, VOCAB_DIR } from "./vocab-fixtures.js";

const TEXT = "text/war-and-peace/war-and-peace.txt";

for (const vocab of ["ggml-vocab-gpt-2.gguf", "ggml-vocab-phi-3.gguf", "ggml-vocab-bert-bge.gguf"]) {
  test(`encode 1 MB of English: ${vocab}`, (t) => {
    const tok = fixtureTokenizer(VOCAB_DIR + vocab);
    const src = fixtureText(TEXT);
    if (!tok || src === null) return void t.skip(missingFixture(tok ? TEXT : VOCAB_DIR + vocab));
    const text = src.slice(0, 1 << 20);
    const t0 = performance.now();
    const ids = tok.encode(text);
    const ms = performance.now() - t0;
    t.diagnostic(`${vocab}: ${text.length} chars -> ${ids.length} ids in ${ms.toFixed(0)} ms (cold caches)`);
    assert.ok(ms < 10000, `encoding took ${ms.toFixed(0)} ms`);
  });
}
