// Reference encodings reproduced from Hugging Face tokenizer files: llama.cpp's vectors, transformers' baselines,
// torchtune's expected ids; plus decode(encode(x)) and stream-vs-whole decoding on every vector text.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { readGgufFile } from "../../../src/formats/gguf/index.js";
import { type Tokenizer, tokenizerFromGguf } from "../../../src/tokenizers/index.js";
import { tokenizerFromHfFolder, tokenizerFromHfJson } from "../../../src/tokenizers/hf/index.js";
import { fixturePath, missingFixture } from "../../helpers/fixtures.js";
import { readVectors, type Vector } from "../vocab-fixtures.js";
import { QWEN2_ASSISTANT, QWEN2_IDS, QWEN2_USER } from "./torchtune-vectors.js";

const TOK = "tokenizers/";
const SWIFT = TOK + "test-vectors/swift-transformers/";

interface Case {
  name: string;
  /** Fixture files that must exist. */
  needs: string[];
  tokenizer: () => Tokenizer;
  vectors: () => Vector[];
  opts: { addBos?: boolean; addEos?: boolean };
  /** Lossless tokenizers must give decode(encode(x)) === x. */
  lossless: boolean;
}

const folder = (rel: string) => () => tokenizerFromHfFolder(fixturePath(rel)!);
const llamaCpp = (vocab: string) => () => readVectors(fixturePath(TOK + "llama.cpp-vocab/" + vocab)!);

/** transformers 4.57.1 baselines of the 83 multilingual inputs. */
function multilingual(file: string): () => Vector[] {
  return () => {
    const inputs = JSON.parse(readFileSync(fixturePath(SWIFT + "multilingual/inputs.json")!, "utf8")) as { id: string; text: string }[];
    const texts = new Map(inputs.map((i) => [i.id, i.text]));
    const base = JSON.parse(readFileSync(fixturePath(SWIFT + "multilingual/" + file)!, "utf8")) as { entries: { id: string; input_ids: number[] }[] };
    return base.entries.map((e) => ({ text: texts.get(e.id)!, ids: e.input_ids }));
  };
}

function encoded(file: string): () => Vector[] {
  return () => {
    const j = JSON.parse(readFileSync(fixturePath(SWIFT + file)!, "utf8")) as { text: string; token_ids: number[] };
    return [{ text: j.text, ids: j.token_ids }];
  };
}

// torchtune tests/torchtune/modules/transforms/tokenizers/test_hf_tokenizer.py (texts[0] and token_ids there)
const TORCHTUNE_TEXT = "I can see the sun. But even if I cannot see the sun, I know that it exists.";
const TORCHTUNE_IDS = "73 503 654 262 376 110 46 690 720 428 270 1119 654 262 376 110 44 270 686 334 312 522 511 115 46";

const CASES: Case[] = [
  { name: "gpt2 vocab.json+merges.txt vs llama.cpp ggml-vocab-gpt-2", needs: [TOK + "gpt2/vocab.json", TOK + "llama.cpp-vocab/ggml-vocab-gpt-2.gguf.out"],
    tokenizer: folder(TOK + "gpt2"), vectors: llamaCpp("ggml-vocab-gpt-2.gguf"), opts: {}, lossless: true },
  { name: "gpt2 vocab.json+merges.txt vs transformers multilingual", needs: [TOK + "gpt2/vocab.json", SWIFT + "multilingual/gpt2_multilingual.json"],
    tokenizer: folder(TOK + "gpt2"), vectors: multilingual("gpt2_multilingual.json"), opts: {}, lossless: true },
  { name: "gpt2 vocab.json+merges.txt vs swift-transformers gpt2_encoded_tokens", needs: [TOK + "gpt2/vocab.json", SWIFT + "gpt2_encoded_tokens.json"],
    tokenizer: folder(TOK + "gpt2"), vectors: encoded("gpt2_encoded_tokens.json"), opts: {}, lossless: true },
  { name: "phi-3-mini tokenizer.json vs llama.cpp ggml-vocab-phi-3", needs: [TOK + "phi-3-mini/tokenizer.json", TOK + "llama.cpp-vocab/ggml-vocab-phi-3.gguf.out"],
    tokenizer: folder(TOK + "phi-3-mini"), vectors: llamaCpp("ggml-vocab-phi-3.gguf"), opts: {}, lossless: true },
  { name: "phi-3-mini tokenizer.json vs transformers multilingual (Llama-2 pieces, BOS)", needs: [TOK + "phi-3-mini/tokenizer.json", SWIFT + "multilingual/tinyllama_multilingual.json"],
    tokenizer: folder(TOK + "phi-3-mini"), vectors: multilingual("tinyllama_multilingual.json"), opts: { addBos: true }, lossless: true },
  { name: "phi-3-mini tokenizer.json vs swift-transformers llama_encoded (BOS)", needs: [TOK + "phi-3-mini/tokenizer.json", SWIFT + "llama_encoded.json"],
    tokenizer: folder(TOK + "phi-3-mini"), vectors: encoded("llama_encoded.json"), opts: { addBos: true }, lossless: true },
  { name: "t5-small tokenizer.json vs transformers multilingual (EOS)", needs: [TOK + "t5-small/tokenizer.json", SWIFT + "multilingual/t5_small_multilingual.json"],
    tokenizer: folder(TOK + "t5-small"), vectors: multilingual("t5_small_multilingual.json"), opts: {}, lossless: false },
  { name: "t5-small tokenizer.json vs swift-transformers t5_base_encoded (EOS)", needs: [TOK + "t5-small/tokenizer.json", SWIFT + "t5_base_encoded.json"],
    tokenizer: folder(TOK + "t5-small"), vectors: encoded("t5_base_encoded.json"), opts: {}, lossless: false },
  { name: "torchtune tokenizer.json vs torchtune test_hf_tokenizer", needs: [TOK + "torchtune/tokenizer.json"],
    tokenizer: folder(TOK + "torchtune"), vectors: () => [{ text: TORCHTUNE_TEXT, ids: TORCHTUNE_IDS.split(" ").map(Number) }],
    opts: { addBos: false }, lossless: true },
];

for (const c of CASES) {
  test(`HF vectors: ${c.name}`, (t) => {
    const missing = c.needs.find((n) => fixturePath(n) === null);
    if (missing) return void t.skip(missingFixture(missing));
    const tok = c.tokenizer();
    const vectors = c.vectors();
    const failures: string[] = [];
    for (const { text, ids } of vectors) {
      const got = tok.encode(text, c.opts);
      if (got.join(" ") !== ids.join(" ")) failures.push(`${JSON.stringify(text).slice(0, 50)}: expected [${ids.slice(0, 16).join(" ")}...] got [${got.slice(0, 16).join(" ")}...]`);
      const whole = tok.decode(got, { skipSpecial: true });
      if (c.lossless) assert.equal(whole, text, `decode(encode(${JSON.stringify(text).slice(0, 40)}))`);
      const s = tok.streamDecoder({ skipSpecial: true });
      let streamed = "";
      for (const id of got) streamed += s.push(id);
      assert.equal(streamed + s.flush(), whole, "stream decoding equals whole decoding");
    }
    t.diagnostic(`${c.name}: ${vectors.length - failures.length}/${vectors.length} pass`);
    assert.ok(vectors.length > 0);
    assert.deepEqual(failures, []);
  });
}

// swift-transformers records HF's decode of the ids (special tokens kept, no clean-up).
for (const [file, dir] of [["gpt2_encoded_tokens.json", "gpt2"], ["llama_encoded.json", "phi-3-mini"], ["t5_base_encoded.json", "t5-small"]] as const) {
  test(`HF decode reproduces ${file} decoded_text`, (t) => {
    const p = fixturePath(SWIFT + file);
    if (!p || !fixturePath(TOK + dir)) return void t.skip(missingFixture(SWIFT + file));
    const j = JSON.parse(readFileSync(p, "utf8")) as { token_ids: number[]; decoded_text: string };
    assert.equal(tokenizerFromHfFolder(fixturePath(TOK + dir)!).decode(j.token_ids), j.decoded_text);
  });
}

// torchtune test_qwen2_tokenizer test_tokenize_messages: each message encoded on its own, then EOS (<|endoftext|>).
test("HF vectors: torchtune tiny_bpe_tokenizer.json vs torchtune test_qwen2_tokenizer (messages, no template)", (t) => {
  const p = fixturePath(TOK + "torchtune/tiny_bpe_tokenizer.json");
  if (!p) return void t.skip(missingFixture(TOK + "torchtune/tiny_bpe_tokenizer.json"));
  const tok = tokenizerFromHfJson(JSON.parse(readFileSync(p, "utf8")));
  const ids = [...tok.encode(QWEN2_USER), ...tok.encode(QWEN2_ASSISTANT), tok.tokenId("<|endoftext|>")!];
  t.diagnostic("torchtune tiny_bpe: 1/1 pass");
  assert.equal(ids.join(" "), QWEN2_IDS);
  assert.equal(tok.decode(ids, { skipSpecial: true }), QWEN2_USER + QWEN2_ASSISTANT);
});

test("phi-3-mini tokenizer.json and the phi-3 GGUF vocabulary agree on 200 KB of prose", (t) => {
  const dir = fixturePath(TOK + "phi-3-mini");
  const gguf = fixturePath(TOK + "llama.cpp-vocab/ggml-vocab-phi-3.gguf");
  const prose = fixturePath("text/war-and-peace/war-and-peace.txt");
  if (!dir || !gguf || !prose) return void t.skip(missingFixture("phi-3-mini, ggml-vocab-phi-3.gguf and war-and-peace.txt"));
  const text = readFileSync(prose, "utf8").slice(0, 200_000) + "  \n\n   x\u2581\u2581y  ";
  const hf = tokenizerFromHfFolder(dir).encode(text);
  const ref = tokenizerFromGguf(readGgufFile(gguf).metadata as Map<string, unknown>).encode(text, { addBos: false });
  assert.equal(hf.length, ref.length);
  assert.ok(hf.every((id, i) => id === ref[i]));
});
