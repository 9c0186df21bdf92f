// Detokenisation of HF tokenizers: the decoder chain of tokenizer.json turned into per-token bytes plus a rule for
// the start of the output, so that whole-sequence decoding and the UTF-8-safe stream decoder give the same text.
import { UnsupportedError } from "../../util/errors.js";
import { cleanSpaces } from "../detok.js";
import type { DecodeOptions, StreamDecoder, StreamDecoderOptions } from "../types.js";
import { BYTE_CHARS, newUtf8Decoder, utf8Bytes } from "../unicode.js";
import { asArray, asObject, describe, type Json, OP } from "./json.js";

type Step =
  | { kind: "replace"; from: string; to: string }
  | { kind: "byteFallback" }
  | { kind: "byteLevel" }
  | { kind: "strip"; ch: string; start: number; stop: number };

/** The decoder chain as per-token steps plus whole-output rules. */
export interface DecodeRules {
  steps: Step[];
  /** Characters removed from the start of the whole output (Metaspace prefix space, Strip after Fuse). */
  stripStart: { ch: string; n: number } | null;
  /** WordPiece: tokens that do not start with this prefix begin a new word (a space before them). */
  wordPiecePrefix: string | null;
}

/** Read the "decoder" entry of tokenizer.json (null: tokens are concatenated as they are). */
export function decodeRules(decoder: unknown): DecodeRules {
  const rules: DecodeRules = { steps: [], stripStart: null, wordPiecePrefix: null };
  if (decoder !== null && decoder !== undefined) addDecoder(asObject(decoder, "decoder"), rules, { fused: false });
  return rules;
}

function addDecoder(d: Json, r: DecodeRules, state: { fused: boolean }): void {
  switch (d.type) {
    case "Sequence":
      for (const [i, sub] of asArray(d.decoders, "decoder.decoders").entries()) addDecoder(asObject(sub, `decoder.decoders[${i}]`), r, state);
      return;
    case "ByteLevel":
      r.steps.push({ kind: "byteLevel" });
      return;
    case "ByteFallback":
      r.steps.push({ kind: "byteFallback" });
      return;
    case "Fuse":
      state.fused = true;
      return;
    case "Replace":
      r.steps.push({ kind: "replace", from: stringPattern(d.pattern), to: typeof d.content === "string" ? d.content : "" });
      return;
    case "Metaspace": {
      const rep = typeof d.replacement === "string" ? d.replacement : "\u2581";
      r.steps.push({ kind: "replace", from: rep, to: " " });
      const scheme = typeof d.prepend_scheme === "string" ? d.prepend_scheme : d.add_prefix_space === false ? "never" : "always";
      if (scheme !== "never") r.stripStart = { ch: " ", n: 1 };
      return;
    }
    case "Strip": {
      const ch = typeof d.content === "string" ? d.content : " ";
      const start = typeof d.start === "number" ? d.start : 0;
      const stop = typeof d.stop === "number" ? d.stop : 0;
      if (state.fused) r.stripStart = start > 0 ? { ch, n: start } : r.stripStart;
      else r.steps.push({ kind: "strip", ch, start, stop });
      return;
    }
    case "WordPiece":
      r.wordPiecePrefix = typeof d.prefix === "string" ? d.prefix : "##";
      r.stripStart = { ch: " ", n: 1 };
      return;
    case "BPEDecoder":
      r.steps.push({ kind: "replace", from: typeof d.suffix === "string" ? d.suffix : "</w>", to: " " });
      return;
    default:
      throw new UnsupportedError(OP, `decoder type ${describe(d.type)} is not supported`);
  }
}

function stringPattern(p: unknown): string {
  const o = asObject(p, "decoder Replace pattern");
  if (typeof o.String === "string") return o.String;
  throw new UnsupportedError(OP, `decoder Replace with pattern ${JSON.stringify(p)} is not supported (only String patterns)`);
}

const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_CHARS.map((c, b) => [c, b]));
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** Bytes of one model token's text under the per-token steps. */
export function modelPieceBytes(rules: DecodeRules, text: string): Uint8Array {
  let s = text;
  if (rules.wordPiecePrefix !== null) s = s.startsWith(rules.wordPiecePrefix) ? s.slice(rules.wordPiecePrefix.length) : " " + s;
  for (const st of rules.steps) {
    if (st.kind === "replace") s = s.split(st.from).join(st.to);
    else if (st.kind === "byteFallback") {
      const m = BYTE_TOKEN.exec(s);
      if (m) return Uint8Array.of(parseInt(m[1]!, 16));
    } else if (st.kind === "byteLevel") return byteLevelBytes(s);
    else s = stripChars(s, st.ch, st.start, st.stop);
  }
  return utf8Bytes(s);
}

/** GPT-2 byte-level decoding of one token; a token with a char outside the alphabet keeps its own UTF-8 bytes. */
function byteLevelBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b === undefined) return utf8Bytes(s);
    out.push(b);
  }
  return Uint8Array.from(out);
}

function stripChars(s: string, ch: string, start: number, stop: number): string {
  let a = 0;
  while (a < start && s.startsWith(ch, a * ch.length)) a++;
  let out = s.slice(a * ch.length);
  for (let b = 0; b < stop && out.endsWith(ch); b++) out = out.slice(0, out.length - ch.length);
  return out;
}

/** What the detokeniser needs from the tokenizer. */
export interface PieceSource {
  /** Bytes of a token (added tokens verbatim, model tokens through the decoder steps); throws for unknown ids. */
  bytes(id: number): Uint8Array;
  isSpecial(id: number): boolean;
}

/** Removes the configured leading characters from the first text the output produces. */
class StartStripper {
  private left: number;
  constructor(private readonly rule: { ch: string; n: number } | null) {
    this.left = rule?.n ?? 0;
  }
  apply(text: string): string {
    if (this.left === 0 || text === "") return text;
    let s = text;
    while (this.left > 0 && s.startsWith(this.rule!.ch)) {
      s = s.slice(this.rule!.ch.length);
      this.left--;
    }
    if (s !== "") this.left = 0;
    return s;
  }
}

export function decodeWith(src: PieceSource, rules: DecodeRules, ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const b = src.bytes(id);
    if (opts.skipSpecial && src.isSpecial(id)) continue;
    parts.push(b);
    n += b.length;
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  const text = new StartStripper(rules.stripStart).apply(newUtf8Decoder().decode(all));
  return opts.cleanSpaces ? cleanSpaces(text) : text;
}

export function streamWith(src: PieceSource, rules: DecodeRules, opts: StreamDecoderOptions = {}): StreamDecoder {
  const dec = newUtf8Decoder();
  const strip = new StartStripper(rules.stripStart);
  return {
    push(id: number): string {
      const b = src.bytes(id);
      if (opts.skipSpecial && src.isSpecial(id)) return "";
      return strip.apply(dec.decode(b, { stream: true }));
    },
    flush(): string {
      return strip.apply(dec.decode());
    },
  };
}
