// Decoding: round trips of plain text, clean-up of spaces, and the UTF-8-safe streaming decoder.
import assert from "node:assert/strict";
import { TextDecoder } from "node:util";
import { test } from "node:test";
import { missingFixture } from "../helpers/fixtures.js";
import { fixtureText, fixtureTokenizer, VOCAB_DIR } from "./vocab-fixtures.js";

const ROUND_TRIP_VOCABS = [
  VOCAB_DIR + "ggml-vocab-gpt-2.gguf",
  VOCAB_DIR + "ggml-vocab-falcon.gguf",
  VOCAB_DIR + "ggml-vocab-mpt.gguf",
  VOCAB_DIR + "ggml-vocab-phi-3.gguf",
  "models/stories260K/stories260K.gguf",
];

const SAMPLES = [
  "", " ", "  ", "\n", "\n\n\t ", "Hello world", " Hello world", "  two leading spaces", "trailing  ",
  "🚀 (normal) 😶‍🌫️ (multiple emojis concatenated) ✅ 🦙🦙 3 33 333 3333 33333",
  "Hello, y'all! How are you 😁 ?我想在apple工作1314151天～",
  "\uFEFFBOM first", "нещо на Български", "កាន់តែពិសេសអាច", "tab\tand\r\nCRLF", "a\u00A0b\u2003c",
];

for (const rel of ROUND_TRIP_VOCABS) {
  test(`decode(encode(x)) === x: ${rel.split("/").pop()}`, (t) => {
    const tok = fixtureTokenizer(rel);
    if (!tok) return void t.skip(missingFixture(rel));
    const prose = fixtureText("text/war-and-peace/war-and-peace.txt")?.slice(0, 30000) ?? "";
    for (const x of [...SAMPLES, prose]) {
      assert.equal(tok.decode(tok.encode(x, { addBos: false })), x, JSON.stringify(x.slice(0, 40)));
      assert.equal(tok.decode(tok.encode(x), { skipSpecial: true }), x, JSON.stringify(x.slice(0, 40)));
    }
  });
}

/** Push ids one by one; every chunk must be complete characters and the whole must equal `expected`. */
function checkStream(tok: NonNullable<ReturnType<typeof fixtureTokenizer>>, ids: number[], expected: string): void {
  const d = tok.streamDecoder();
  const chunks = ids.map((id) => d.push(id));
  chunks.push(d.flush());
  for (const c of chunks) {
    assert.ok(!c.includes("\uFFFD"), `chunk ${JSON.stringify(c)} holds a replacement char`);
    assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(c), "split surrogate pair");
  }
  assert.equal(chunks.join(""), expected);
}

/** True when some token of ids is not valid UTF-8 by itself (so the stream test is meaningful). */
function hasPartialToken(tok: NonNullable<ReturnType<typeof fixtureTokenizer>>, ids: number[]): boolean {
  const strict = new TextDecoder("utf-8", { fatal: true });
  return ids.some((id) => {
    try {
      strict.decode(tok.tokenToBytes(id));
      return false;
    } catch {
      return true;
    }
  });
}

test("stream decoder: byte-fallback tokens of CJK and emoji (stories260K) come out as whole characters", (t) => {
  const rel = "models/stories260K/stories260K.gguf";
  const tok = fixtureTokenizer(rel);
  if (!tok) return void t.skip(missingFixture(rel));
  const text = "我想在apple工作 🦙 😶‍🌫️ Ωmega";
  const ids = tok.encode(text, { addBos: false });
  assert.ok(hasPartialToken(tok, ids));
  assert.equal(tok.tokenToPiece(ids.find((id) => tok.tokenToBytes(id).length === 1 && tok.tokenToBytes(id)[0]! >= 0x80)!), "\uFFFD");
  checkStream(tok, ids, " " + text); // the SentencePiece prefix space is part of the stream
});

test("stream decoder: byte-level BPE pieces split inside characters (gpt-2) come out as whole characters", (t) => {
  const rel = VOCAB_DIR + "ggml-vocab-gpt-2.gguf";
  const tok = fixtureTokenizer(rel);
  if (!tok) return void t.skip(missingFixture(rel));
  const text = "🚀 (normal) 😶‍🌫️ ✅ 🦙🦙 我想在apple工作1314151天～ កាន់តែ";
  const ids = tok.encode(text);
  assert.ok(hasPartialToken(tok, ids));
  checkStream(tok, ids, text);
  const d = tok.streamDecoder();
  assert.equal(d.push(ids[0]!) + d.flush(), "\uFFFD"); // an unfinished character is flushed as U+FFFD
});

test("stream decoder: skipSpecial drops control tokens", (t) => {
  const rel = VOCAB_DIR + "ggml-vocab-gpt-2.gguf";
  const tok = fixtureTokenizer(rel);
  if (!tok) return void t.skip(missingFixture(rel));
  const d = tok.streamDecoder({ skipSpecial: true });
  assert.equal([50256, 15496, 50256].map((id) => d.push(id)).join("") + d.flush(), "Hello");
  assert.throws(() => d.push(50257), /outside the vocabulary/);
});

test("decode cleanSpaces applies llama.cpp's clean-up passes", (t) => {
  const rel = VOCAB_DIR + "ggml-vocab-gpt-2.gguf";
  const tok = fixtureTokenizer(rel);
  if (!tok) return void t.skip(missingFixture(rel));
  const ids = tok.encode("Hello , world ! It 's ' ok ' we 're");
  assert.equal(tok.decode(ids, { cleanSpaces: true }), "Hello, world! It's'ok'we're");
  assert.equal(tok.decode(ids), "Hello , world ! It 's ' ok ' we 're");
});
