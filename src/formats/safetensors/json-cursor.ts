// Strict JSON cursor: reads values in place, refuses duplicate keys, lone surrogates and deep nesting, names the field.
import { FormatError } from "../../util/errors.js";
import { MAX_EXACT_INT, q } from "./types.js";

export type JsonKind = "string" | "number" | "object" | "array" | "boolean" | "null";

const KIND_NAMES: Record<JsonKind, string> = {
  string: "a string", number: "a number", object: "an object", array: "an array", boolean: "a boolean", null: "null",
};

/** Containers nested deeper than this are refused (the formats read here nest at most 3 deep). */
export const MAX_JSON_DEPTH = 64;

const INTEGER = /^(?:0|[1-9][0-9]*)$/;
const NEGATIVE_INTEGER = /^-(?:0|[1-9][0-9]*)$/;

/** Index of the first unpaired surrogate's code unit value, or -1. */
function loneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else return c;
  }
  return -1;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class JsonCursor {
  pos = 0;

  /**
   * `op` is the error's operation; `prefix` starts every message (the file name and ": ", or ""); `what` names the
   * document in syntax errors ("header", "index").
   */
  constructor(
    readonly text: string,
    readonly op: string,
    readonly prefix: string,
    readonly what: string,
  ) {}

  /** A schema error: the value is JSON but not what the format allows. */
  fail(detail: string): never {
    throw new FormatError(this.op, `${this.prefix}${detail}`);
  }

  /** A syntax error at the current position. */
  syntax(expected: string, context: string): never {
    const found = this.pos >= this.text.length ? "the end" : JSON.stringify(this.text.slice(this.pos, this.pos + 12));
    this.fail(`${this.what} is not valid JSON: expected ${expected} ${context} at character ${this.pos}, found ${found}`);
  }

  ws(): void {
    const t = this.text;
    while (this.pos < t.length && isWs(t.charCodeAt(this.pos))) this.pos++;
  }

  /** Kind of the value starting here (after whitespace), or null when no value can start here. */
  kind(): JsonKind | null {
    this.ws();
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x22) return "string";
    if (c === 0x7b) return "object";
    if (c === 0x5b) return "array";
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return "number";
    if (c === 0x74 || c === 0x66) return "boolean";
    if (c === 0x6e) return "null";
    return null;
  }

  /** Throws unless the next value is of `want`; `field` names it ("tensor 'x' shape"). */
  expectKind(want: JsonKind, field: () => string, wantName = KIND_NAMES[want]): void {
    const k = this.kind();
    if (k === want) return;
    if (k === null) this.syntax("a value", `for ${field()}`);
    this.fail(`${field()} must be ${wantName} but is ${KIND_NAMES[k]}`);
  }

  /**
   * Reads a string literal (the cursor is on its opening quote). Strings with escapes are decoded by JSON.parse on
   * their slice (flat result, no per-character garbage); a failure is then located by `escapeError`.
   */
  string(field: () => string): string {
    const t = this.text;
    const start = ++this.pos;
    let escaped = false;
    let i = start;
    for (; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i++;
      } else if (c < 0x20) {
        this.pos = i;
        this.fail(`${this.what} is not valid JSON: ${field()} holds raw control character 0x${c.toString(16)} at character ${i}`);
      }
    }
    if (i >= t.length) {
      this.pos = t.length;
      this.syntax("a closing quote", `in ${field()}`);
    }
    this.pos = i + 1;
    if (!escaped) return t.slice(start, i);
    let s: string;
    try {
      s = JSON.parse(t.slice(start - 1, i + 1)) as string;
    } catch {
      this.escapeError(start, i, field);
    }
    const lone = loneSurrogate(s);
    if (lone >= 0) this.fail(`${field()} has an unpaired surrogate \\u${lone.toString(16)} (no UTF-8 form)`);
    return s;
  }

  /** Throws for the first bad escape in text[from, to). */
  private escapeError(from: number, to: number, field: () => string): never {
    const t = this.text;
    for (let i = from; i < to; i++) {
      if (t.charCodeAt(i) !== 0x5c) continue;
      const e = t[i + 1]!;
      if ('"\\/bfnrt'.includes(e)) {
        i++;
        continue;
      }
      if (e === "u" && /^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) {
        i += 5;
        continue;
      }
      this.pos = i;
      this.fail(`${this.what} is not valid JSON: bad escape ${JSON.stringify(t.slice(i, i + (e === "u" ? 6 : 2)))} in ${field()} at character ${i}`);
    }
    this.fail(`${this.what} is not valid JSON: ${field()} at character ${from} does not parse`);
  }

  /** The raw text of a number literal, checked against the JSON grammar. */
  numberText(field: () => string): string {
    const t = this.text;
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    m.lastIndex = this.pos;
    const hit = m.exec(t);
    if (!hit || hit[0] === "-") this.syntax("a number", `for ${field()}`);
    this.pos += hit[0].length;
    return hit[0];
  }

  /** A non-negative integer literal no larger than 2^53 - 1 (no sign, fraction or exponent). */
  integer(field: () => string): number {
    this.expectKind("number", field, "a non-negative integer");
    const raw = this.numberText(field);
    if (INTEGER.test(raw)) {
      // No leading zeros: more than 16 digits is always above 2^53 - 1 (and BigInt never sees a long string).
      if (raw.length > 16 || (raw.length === 16 && BigInt(raw) > BigInt(MAX_EXACT_INT))) this.fail(`${field()} is ${cut(raw)}, above 2^53 - 1`);
      return Number(raw);
    }
    if (NEGATIVE_INTEGER.test(raw)) this.fail(`${field()} is ${cut(raw)}, negative`);
    this.fail(`${field()} is ${cut(raw)}, not an integer`);
  }

  /** Reads `{ "key": value, ... }`; `onValue` must consume each value. Refuses duplicate keys. */
  object(field: () => string, onValue: (key: string) => void): void {
    this.expectKind("object", field);
    this.pos++;
    const seen = new Set<string>();
    this.ws();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.syntax("a quoted key", `in ${field()}`);
      const key = this.string(() => `a key of ${field()}`);
      if (seen.has(key)) this.fail(`${field()} has key ${q(key)} twice`);
      seen.add(key);
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.syntax("':'", `after key ${q(key)} of ${field()}`);
      this.pos++;
      onValue(key);
      if (this.endOf(0x7d, () => `after key ${q(key)} of ${field()}`)) return;
    }
  }

  /** Reads `[ value, ... ]`; `onItem` must consume each item. */
  array(field: () => string, onItem: (index: number) => void): void {
    this.expectKind("array", field);
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      onItem(i);
      if (this.endOf(0x5d, () => `after item ${i} of ${field()}`)) return;
    }
  }

  /** After a member: true at the closing bracket (consumed), false at a comma (consumed). */
  private endOf(close: number, context: () => string): boolean {
    this.ws();
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x2c) {
      this.pos++;
      return false;
    }
    if (c === close) {
      this.pos++;
      return true;
    }
    this.syntax(`',' or '${String.fromCharCode(close)}'`, context());
  }

  /** Skips one value of any kind, checking its syntax (duplicate keys and depth included). */
  skip(field: () => string, depth = 0): void {
    if (depth > MAX_JSON_DEPTH) this.fail(`${field()} nests deeper than ${MAX_JSON_DEPTH} levels`);
    const k = this.kind();
    if (k === null) this.syntax("a value", `for ${field()}`);
    if (k === "string") this.string(field);
    else if (k === "number") this.numberText(field);
    else if (k === "object") this.object(field, (key) => this.skip(() => `${field()} key ${q(key)}`, depth + 1));
    else if (k === "array") this.array(field, (i) => this.skip(() => `${field()} item ${i}`, depth + 1));
    else this.literal(field);
  }

  /** Reads true, false or null. */
  literal(field: () => string): boolean | null {
    for (const [w, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(w, this.pos)) {
        this.pos += w.length;
        return v;
      }
    }
    this.syntax("a value", `for ${field()}`);
  }

  /** Throws unless only whitespace remains. */
  end(): void {
    this.ws();
    if (this.pos < this.text.length) this.syntax("only whitespace", `after the top-level object`);
  }
}

function cut(raw: string): string {
  return raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
}
