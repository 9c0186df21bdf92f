// A GGUF vocabulary as llama.cpp loads it: token texts, scores, attributes, special ids, flags and caches.
import { FormatError, UnsupportedError } from "../util/errors.js";
import { Meta } from "./meta.js";
import { preTokenizer, type PreTokenizer } from "./pretokenize.js";
import { utf8Bytes } from "./unicode.js";

/** Token attributes (llama.cpp's llama_token_attr bits). */
export const ATTR = {
  UNDEFINED: 0,
  UNKNOWN: 1 << 0,
  UNUSED: 1 << 1,
  NORMAL: 1 << 2,
  CONTROL: 1 << 3,
  USER_DEFINED: 1 << 4,
  BYTE: 1 << 5,
  LSTRIP: 1 << 7,
  RSTRIP: 1 << 8,
} as const;

/** GGUF token_type values -> attributes. */
const TYPE_TO_ATTR: Record<number, number> = {
  1: ATTR.NORMAL, 2: ATTR.UNKNOWN, 3: ATTR.CONTROL, 4: ATTR.USER_DEFINED, 5: ATTR.UNUSED, 6: ATTR.BYTE,
};

export type VocabKind = "spm" | "bpe" | "wpm";

export interface Vocab {
  kind: VocabKind;
  tokens: string[];
  scores: ArrayLike<number> | null;
  attrs: Uint16Array;
  textToId: Map<string, number>;
  /** Longest token text in UTF-8 bytes. */
  maxTokenLen: number;
  bos: number | null;
  eos: number | null;
  eot: number | null;
  eom: number | null;
  unk: number | null;
  sep: number | null;
  addBos: boolean;
  addEos: boolean;
  addSpacePrefix: boolean;
  cleanSpaces: boolean;
  eog: Set<number>;
  /** Control, user-defined and unknown tokens, longest text first (llama.cpp's cache_special_tokens). */
  specials: number[];
  pre: PreTokenizer | null;
  merges: string[] | null;
}

const K = "tokenizer.ggml.";

/** Read the tokenizer.ggml.* keys of a GGUF file into a Vocab (throws UnsupportedError for t5, rwkv, ...). */
export function loadVocab(meta: Meta): Vocab {
  const model = meta.string(K + "model");
  if (model === undefined) throw new FormatError("tokenizer", `metadata has no '${K}model' key`);
  const kind = vocabKind(model);
  const tokens = meta.strings(K + "tokens");
  if (!tokens || tokens.length === 0) throw new FormatError("tokenizer", `metadata has no '${K}tokens' array`);
  const v = baseVocab(kind, tokens, meta);
  if (kind === "bpe") {
    const merges = meta.strings(K + "merges");
    if (!merges) throw new FormatError("tokenizer", `gpt2 vocabulary has no '${K}merges' array`);
    v.merges = merges;
    v.pre = preTokenizer(meta.string(K + "pre") ?? "");
    if (v.pre.noBos) v.bos = null;
    if (v.pre.addBos) v.addBos = true;
    v.cleanSpaces = v.pre.cleanSpaces;
  }
  const prefix = meta.bool(K + "add_space_prefix");
  if (prefix !== undefined) v.addSpacePrefix = prefix;
  readSpecialIds(v, meta);
  detectEndTokens(v);
  buildSpecialCache(v);
  applyNameAttrs(v, meta.string("general.name") ?? "", meta.string(K + "pre") ?? "");
  return v;
}

function vocabKind(model: string): VocabKind {
  if (model === "llama") return "spm";
  if (model === "gpt2") return "bpe";
  if (model === "bert") return "wpm";
  const what = model === "t5" ? "unigram (t5) vocabularies" : model === "rwkv" ? "rwkv vocabularies" : `tokenizer model '${model}'`;
  throw new UnsupportedError("tokenizer", `${what} are not supported (${K}model = '${model}'; supported: llama, gpt2, bert)`);
}

function baseVocab(kind: VocabKind, rawTokens: string[], meta: Meta): Vocab {
  const n = rawTokens.length;
  const scores = meta.numbers(K + "scores") ?? null;
  const types = meta.numbers(K + "token_type") ?? null;
  checkLength("scores", scores, n);
  checkLength("token_type", types, n);
  const tokens = new Array<string>(n);
  const attrs = new Uint16Array(n);
  const textToId = new Map<string, number>();
  let maxTokenLen = 0;
  for (let i = 0; i < n; i++) {
    const t = rawTokens[i] === "" ? `[EMPTY_${i}]` : rawTokens[i]!;
    tokens[i] = t;
    textToId.set(t, i);
    maxTokenLen = Math.max(maxTokenLen, utf8Bytes(t).length);
    attrs[i] = types ? (TYPE_TO_ATTR[types[i]!] ?? ATTR.UNDEFINED) : ATTR.NORMAL;
  }
  const d = DEFAULTS[kind];
  return {
    kind, tokens, scores, attrs, textToId, maxTokenLen, ...d,
    eot: null, eom: null, eog: new Set(), specials: [], pre: null, merges: null,
  };
}

function checkLength(key: string, a: ArrayLike<number> | null, n: number): void {
  if (a && a.length !== n) {
    throw new FormatError("tokenizer", `'${K}${key}' has ${a.length} entries but '${K}tokens' has ${n}`);
  }
}

type Defaults = Pick<Vocab, "bos" | "eos" | "unk" | "sep" | "addBos" | "addEos" | "addSpacePrefix" | "cleanSpaces">;

// llama.cpp's defaults per vocabulary type, before the metadata keys override them.
const DEFAULTS: Record<VocabKind, Defaults> = {
  spm: { bos: 1, eos: 2, unk: 0, sep: null, addBos: true, addEos: false, addSpacePrefix: true, cleanSpaces: false },
  bpe: { bos: 11, eos: 11, unk: null, sep: null, addBos: false, addEos: false, addSpacePrefix: false, cleanSpaces: true },
  wpm: { bos: 101, eos: null, unk: 100, sep: 102, addBos: true, addEos: true, addSpacePrefix: false, cleanSpaces: true },
};

function readSpecialIds(v: Vocab, meta: Meta): void {
  const n = v.tokens.length;
  const read = (key: string, cur: number | null): number | null => {
    const id = meta.int(K + key);
    if (id === undefined) return cur;
    if (id === -1) return null; // 4294967295 / -1: explicitly none
    return id < n ? id : cur; // out of range: llama.cpp keeps the default
  };
  v.bos = read("bos_token_id", v.bos);
  v.eos = read("eos_token_id", v.eos);
  v.eot = read("eot_token_id", v.eot);
  v.eom = read("eom_token_id", v.eom);
  v.unk = read("unknown_token_id", v.unk);
  v.sep = read("seperator_token_id", v.sep);
  if (v.kind === "wpm") v.bos = read("cls_token_id", v.bos);
  const addBos = meta.bool(K + "add_bos_token");
  const addEos = meta.bool(K + "add_eos_token");
  if (addBos !== undefined) v.addBos = addBos;
  if (addEos !== undefined && v.kind !== "wpm") v.addEos = addEos;
}

const EOT_TEXTS = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "<｜end▁of▁sentence｜>"];
const EOG_TEXTS = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>"];

/** llama.cpp's text-based detection of EOT/EOM and of the end-of-generation set (such tokens become control). */
function detectEndTokens(v: Vocab): void {
  const markControl = (id: number) => {
    v.attrs[id] = ATTR.CONTROL;
  };
  const find = (texts: string[]) => texts.map((t) => v.textToId.get(t)).filter((id): id is number => id !== undefined);
  if (v.eot === null) {
    const ids = find(EOT_TEXTS);
    if (ids.length > 0) {
      v.eot = ids[0]!; // llama.cpp takes whichever its hash map yields first; we take the list order
      if (!(v.attrs[v.eot]! & ATTR.CONTROL)) markControl(v.eot);
    }
  }
  if (v.eom === null) {
    const id = v.textToId.get("<|eom_id|>");
    if (id !== undefined) {
      v.eom = id;
      if (!(v.attrs[id]! & ATTR.CONTROL)) markControl(id);
    }
  }
  for (const id of find(EOG_TEXTS)) {
    v.eog.add(id);
    if (!(v.attrs[id]! & ATTR.CONTROL)) markControl(id);
  }
  for (const id of [v.eos, v.eot, v.eom]) if (id !== null) v.eog.add(id);
}

function buildSpecialCache(v: Vocab): void {
  const mask = ATTR.CONTROL | ATTR.USER_DEFINED | ATTR.UNKNOWN;
  const ids: number[] = [];
  for (let i = 0; i < v.tokens.length; i++) if (v.attrs[i]! & mask) ids.push(i);
  const len = new Map(ids.map((id) => [id, utf8Bytes(v.tokens[id]!).length]));
  ids.sort((a, b) => len.get(b)! - len.get(a)! || a - b);
  v.specials = ids;
}

/** Per-model strip attributes llama.cpp sets by name (phi-3: specials swallow following spaces). */
function applyNameAttrs(v: Vocab, modelName: string, pre: string): void {
  const set = (text: string, bit: number, on: boolean) => {
    const id = v.textToId.get(text);
    if (id !== undefined) v.attrs[id] = on ? v.attrs[id]! | bit : v.attrs[id]! & ~bit;
  };
  const name = modelName.toLowerCase();
  if (["jina-v2-de", "jina-v2-es", "jina-v2-code"].some((s) => pre.includes(s))) {
    set("<mask>", ATTR.LSTRIP, true);
  } else if (name.includes("phi-3") || name.includes("phi3")) {
    for (const id of v.specials) v.attrs[id] = v.attrs[id]! | ATTR.RSTRIP;
    set("</s>", ATTR.RSTRIP, true);
    for (const t of ["<unk>", "<s>", "<|endoftext|>"]) set(t, ATTR.RSTRIP, false);
  }
}
