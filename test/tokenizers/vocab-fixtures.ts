// Test helpers: load fixture GGUF vocabularies and llama.cpp's .inp/.out tokenizer vectors.
import { readFileSync } from "node:fs";
import { readGgufFile } from "../../src/formats/gguf/index.js";
import { tokenizerFromGguf, type GgufTokenizer } from "../../src/tokenizers/index.js";
import { fixturePath } from "../helpers/fixtures.js";

export const VOCAB_DIR = "tokenizers/llama.cpp-vocab/";

/** Fixture vocabularies that come with llama.cpp test vectors (.inp/.out next to the .gguf). */
export const VECTOR_VOCABS = [
  VOCAB_DIR + "ggml-vocab-gpt-2.gguf",
  VOCAB_DIR + "ggml-vocab-falcon.gguf",
  VOCAB_DIR + "ggml-vocab-mpt.gguf",
  VOCAB_DIR + "ggml-vocab-phi-3.gguf",
  VOCAB_DIR + "ggml-vocab-bert-bge.gguf",
  "models/stories260K/stories260K.gguf",
];

const cache = new Map<string, Map<string, unknown>>();

/** GGUF metadata of a fixture, or null when the fixture is absent. */
export function fixtureMetadata(rel: string): Map<string, unknown> | null {
  const p = fixturePath(rel);
  if (p === null) return null;
  let m = cache.get(p);
  if (!m) {
    m = readGgufFile(p).metadata as Map<string, unknown>;
    cache.set(p, m);
  }
  return m;
}

/** Tokenizer of a fixture vocabulary, or null when the fixture is absent. */
export function fixtureTokenizer(rel: string): GgufTokenizer | null {
  const m = fixtureMetadata(rel);
  return m === null ? null : tokenizerFromGguf(m);
}

export interface Vector {
  text: string;
  ids: number[];
}

/**
 * llama.cpp's test-tokenizer-0 vectors: .inp holds the texts, each followed by "\n__ggml_vocab_test__\n";
 * .out holds one line of space-separated ids per text (tokenised with add_special = false, so no BOS).
 */
export function readVectors(ggufPath: string): Vector[] {
  const inp = readFileSync(ggufPath + ".inp", "utf8").split("\n__ggml_vocab_test__\n");
  inp.pop(); // the file ends with a separator
  const out = readFileSync(ggufPath + ".out", "utf8").split("\n");
  if (out.length < inp.length) throw new Error(`${ggufPath}.out has ${out.length} lines for ${inp.length} texts`);
  return inp.map((text, i) => ({ text, ids: out[i]!.split(/\s+/).filter((s) => s !== "").map(Number) }));
}

/** A fixture text file's contents, or null when absent. */
export function fixtureText(rel: string): string | null {
  const p = fixturePath(rel);
  return p === null ? null : readFileSync(p, "utf8");
}
