// tokenizer_config.json, special_tokens_map.json and generation_config.json: special-token names, BOS/EOS flags, eos ids.
import { FormatError } from "../../util/errors.js";
import { asArray, asObject, asTokenId, describe, isObject, type Json, OP, optBool } from "./json.js";

/** One added token as tokenizer.json (added_tokens) or tokenizer_config.json (added_tokens_decoder) describe it. */
export interface AddedTokenSpec {
  id: number;
  content: string;
  special: boolean;
  lstrip: boolean;
  rstrip: boolean;
  singleWord: boolean;
  normalized: boolean;
}

/** What the side files say about special tokens. */
export interface HfSpecials {
  bos?: string;
  eos?: string;
  unk?: string;
  pad?: string;
  sep?: string;
  cls?: string;
  mask?: string;
  /** additional_special_tokens / extra_special_tokens. */
  additional: string[];
  /** tokenizer_config add_bos_token / add_eos_token when given. */
  addBos?: boolean;
  addEos?: boolean;
  /** generation_config.json eos_token_id (one or a list; negative ids dropped). */
  eosIds: number[];
  /** generation_config.json bos_token_id. */
  bosId?: number;
  /** tokenizer_config.json added_tokens_decoder. */
  added: AddedTokenSpec[];
  /** tokenizer_config remove_space (ALBERT/XLNet-style whitespace collapsing). */
  removeSpace: boolean;
}

const NAMES = ["bos", "eos", "unk", "pad", "sep", "cls", "mask"] as const;

/** Merge tokenizer_config.json (wins), special_tokens_map.json and generation_config.json. */
export function readSpecials(config?: unknown, specialMap?: unknown, generation?: unknown): HfSpecials {
  const cfg = config === undefined || config === null ? {} : asObject(config, "tokenizer_config.json");
  const map = specialMap === undefined || specialMap === null ? {} : asObject(specialMap, "special_tokens_map.json");
  const out: HfSpecials = { additional: [], eosIds: [], added: [], removeSpace: optBool(cfg, "remove_space", "tokenizer_config") ?? false };
  for (const n of NAMES) {
    const key = `${n}_token`;
    const v = tokenText(cfg[key], `tokenizer_config.${key}`) ?? tokenText(map[key], `special_tokens_map.${key}`);
    if (v !== undefined) out[n] = v;
  }
  for (const src of [cfg, map]) {
    for (const key of ["additional_special_tokens", "extra_special_tokens"]) {
      const list = src[key];
      if (list === undefined || list === null) continue;
      const items = Array.isArray(list) ? list : Object.values(asObject(list, key));
      for (const [i, t] of items.entries()) {
        const text = tokenText(t, `${key}[${i}]`);
        if (text !== undefined && !out.additional.includes(text)) out.additional.push(text);
      }
    }
  }
  out.addBos = optBool(cfg, "add_bos_token", "tokenizer_config");
  out.addEos = optBool(cfg, "add_eos_token", "tokenizer_config");
  if (cfg.added_tokens_decoder !== undefined && cfg.added_tokens_decoder !== null) {
    const dec = asObject(cfg.added_tokens_decoder, "tokenizer_config.added_tokens_decoder");
    for (const [k, v] of Object.entries(dec)) {
      out.added.push(parseAddedToken({ ...asObject(v, `added_tokens_decoder[${k}]`), id: Number(k) }, `added_tokens_decoder[${k}]`));
    }
  }
  readGeneration(generation, out);
  return out;
}

function readGeneration(generation: unknown, out: HfSpecials): void {
  if (generation === undefined || generation === null) return;
  const g = asObject(generation, "generation_config.json");
  const eos = g.eos_token_id;
  for (const v of Array.isArray(eos) ? eos : eos === undefined || eos === null ? [] : [eos]) {
    if (typeof v === "number" && v < 0) continue; // "no EOS" markers such as -1
    out.eosIds.push(asTokenId(v, "generation_config.eos_token_id"));
  }
  if (typeof g.bos_token_id === "number" && g.bos_token_id >= 0) out.bosId = asTokenId(g.bos_token_id, "generation_config.bos_token_id");
}

/** A special-token value: a string or an AddedToken dict {content, ...}; undefined when absent or null. */
export function tokenText(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (isObject(v) && typeof v.content === "string") return v.content;
  throw new FormatError(OP, `${what} must be a string or {content: string} but is ${describe(v)}`);
}

/** One entry of tokenizer.json added_tokens (or added_tokens_decoder with its id filled in). */
export function parseAddedToken(v: unknown, what: string): AddedTokenSpec {
  const o: Json = asObject(v, what);
  if (typeof o.content !== "string" || o.content === "") {
    throw new FormatError(OP, `${what}.content must be a non-empty string but is ${describe(o.content)}`);
  }
  return {
    id: asTokenId(o.id, `${what}.id`),
    content: o.content,
    special: optBool(o, "special", what) ?? false,
    lstrip: optBool(o, "lstrip", what) ?? false,
    rstrip: optBool(o, "rstrip", what) ?? false,
    singleWord: optBool(o, "single_word", what) ?? false,
    normalized: optBool(o, "normalized", what) ?? !(optBool(o, "special", what) ?? false),
  };
}

/** tokenizer.json added_tokens, then added_tokens_decoder entries whose id it lacks. */
export function mergeAddedTokens(fromJson: unknown, fromConfig: AddedTokenSpec[]): AddedTokenSpec[] {
  const list = fromJson === undefined || fromJson === null ? [] : asArray(fromJson, "tokenizer.json added_tokens");
  const out = list.map((t, i) => parseAddedToken(t, `added_tokens[${i}]`));
  const ids = new Set(out.map((t) => t.id));
  for (const t of fromConfig) if (!ids.has(t.id)) out.push(t);
  return out;
}
