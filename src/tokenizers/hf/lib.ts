// Typed view of the parts of @huggingface/tokenizers weft uses (normalizer, pre-tokenizer, model), built from a
// checked tokenizer.json; the package's own special-token splitting and decoding are not used.
import { Tokenizer as LibTokenizerClass } from "@huggingface/tokenizers";
import { FormatError, UnsupportedError } from "../../util/errors.js";
import { asArray, asObject, asTokenId, describe, type Json, MAX_TOKEN_ID, OP } from "./json.js";

export interface LibNormalizer {
  normalize(text: string): string;
}
export interface LibPreTokenizer {
  pre_tokenize(text: string, options?: { section_index?: number }): string[];
}
export interface LibModel {
  _call(words: string[]): string[];
  /** Token text by id (the package also writes added tokens here). */
  vocab: (string | undefined)[];
  tokens_to_ids: Map<string, number>;
  unk_token_id?: number;
}
export interface LibParts {
  normalizer: LibNormalizer | null;
  preTokenizer: LibPreTokenizer | null;
  model: LibModel;
}

type LibCtor = new (tokenizer: object, config: object) => {
  normalizer: LibNormalizer | null;
  pre_tokenizer: LibPreTokenizer | null;
  model: LibModel;
};

/** Build the package's components from a tokenizer.json whose model has been checked by checkModel. */
export function buildLibParts(json: Json, names: Record<string, string | undefined>): LibParts {
  const full = {
    normalizer: json.normalizer ?? null,
    pre_tokenizer: json.pre_tokenizer ?? null,
    model: json.model,
    post_processor: null, // handled by weft (post.ts)
    decoder: null, // handled by weft (decode.ts)
    added_tokens: json.added_tokens ?? [],
  };
  const config = { bos_token: names.bos, eos_token: names.eos, unk_token: names.unk, pad_token: names.pad };
  try {
    const t = new (LibTokenizerClass as unknown as LibCtor)(full, config);
    return { normalizer: t.normalizer, preTokenizer: t.pre_tokenizer, model: t.model };
  } catch (e) {
    const msg = (e as Error).message;
    if (/^Unknown (Normalizer|PreTokenizer|TokenizerModel) type/.test(msg)) throw new UnsupportedError(OP, msg);
    throw new FormatError(OP, `tokenizer.json could not be built: ${msg}`);
  }
}

const MODELS = new Set(["BPE", "Unigram", "WordPiece"]);

/** Check the model entry's vocabulary and merges before anything is built from them. */
export function checkModel(model: unknown): Json {
  const m = asObject(model, "tokenizer.json model");
  const type = m.type ?? (Array.isArray(m.vocab) ? "Unigram" : m.merges !== undefined ? "BPE" : "WordPiece");
  if (typeof type !== "string" || !MODELS.has(type)) throw new UnsupportedError(OP, `model type ${describe(m.type)} is not supported`);
  if (type === "Unigram") checkUnigram(m);
  else checkVocabMap(m.vocab);
  if (type === "BPE") {
    for (const [i, mg] of asArray(m.merges ?? [], "model.merges").entries()) {
      const ok = typeof mg === "string" ? mg.includes(" ") : Array.isArray(mg) && mg.length === 2 && mg.every((x) => typeof x === "string");
      if (!ok) throw new FormatError(OP, `model.merges[${i}] must be "a b" or ["a", "b"] but is ${describe(mg)}`);
    }
  }
  return { ...m, type };
}

function checkVocabMap(v: unknown): void {
  const vocab = asObject(v, "model.vocab");
  for (const [tok, id] of Object.entries(vocab)) asTokenId(id, `model.vocab[${JSON.stringify(tok)}]`);
}

function checkUnigram(m: Json): void {
  const vocab = asArray(m.vocab, "model.vocab");
  if (vocab.length > MAX_TOKEN_ID) throw new FormatError(OP, `model.vocab has ${vocab.length} entries, more than ${MAX_TOKEN_ID}`);
  for (const [i, e] of vocab.entries()) {
    if (!Array.isArray(e) || typeof e[0] !== "string" || typeof e[1] !== "number") {
      throw new FormatError(OP, `model.vocab[${i}] must be [piece, score] but is ${describe(e)}`);
    }
  }
  if (m.unk_id !== undefined && m.unk_id !== null) {
    const id = asTokenId(m.unk_id, "model.unk_id");
    if (id >= vocab.length) throw new FormatError(OP, `model.unk_id ${id} is outside the vocabulary of ${vocab.length}`);
  }
}
