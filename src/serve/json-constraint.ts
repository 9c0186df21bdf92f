// Incremental JSON validator over decoded text: accepts exactly the prefixes of JSON texts that match a compiled
// schema (json-schema.ts), so a sampler can mask every token whose text would leave that set.
import type { SchemaNode } from "./json-schema.js";

type Frame =
  | { k: "value"; s: SchemaNode }
  | { k: "obj"; s: SchemaNode; st: "first" | "key" | "colon" | "next"; seen: readonly string[]; key: string }
  | { k: "arr"; s: SchemaNode; st: "first" | "value" | "next"; n: number }
  | { k: "str"; s: SchemaNode; key: boolean; text: string; len: number; esc: number; hex: string }
  | { k: "num"; int: boolean; st: "sign" | "zero" | "int" | "dot" | "frac" | "e" | "esign" | "exp"; digits: number }
  | { k: "lit"; want: string; at: number }
  | { k: "alts"; alts: readonly string[]; buf: string };

/** Indentation allowed after a newline, per open container (a model cannot pad forever). */
const INDENT_PER_LEVEL = 4;
/** Digits in one number. */
const MAX_DIGITS = 15;
const WS = new Set([" ", "\t", "\n", "\r"]);
/** Whitespace between tokens: "", " ", or "\n" then up to INDENT_PER_LEVEL x depth spaces or tabs; -1 = no more allowed. */
type WsRun = number;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

export class JsonState {
  private constructor(
    private stack: Frame[],
    /** Whitespace run so far: 0 = none, -1 = closed (after a space), n > 0 = newline + (n - 1) indent chars. */
    private ws: WsRun,
    /** The root value is complete. */
    public done: boolean,
  ) {}

  static start(root: SchemaNode): JsonState {
    return new JsonState([{ k: "value", s: root }], 0, false);
  }

  /** The state after `text`, or null when text cannot continue a matching JSON prefix. */
  feed(text: string): JsonState | null {
    const next = new JsonState(this.stack.slice(), this.ws, this.done);
    for (const c of text) if (!next.char(c)) return null;
    return next;
  }

  private char(c: string): boolean {
    if (WS.has(c) && this.betweenTokens()) return this.space(c);
    if (this.done) return false;
    this.ws = 0;
    const f = this.stack[this.stack.length - 1]!;
    switch (f.k) {
      case "value": return this.startValue(f.s, c);
      case "obj": return this.objChar(f, c);
      case "arr": return this.arrChar(f, c);
      case "str": return this.strChar(f, c);
      case "num": return this.numChar(f, c);
      case "lit": return this.litChar(f, c);
      case "alts": return this.altsChar(f, c);
    }
  }

  private space(c: string): boolean {
    if (c === "\r" || this.ws < 0) return false;
    if (this.ws === 0) {
      if (c === "\t") return false;
      this.ws = c === " " ? -1 : 1;
      return true;
    }
    if (c === "\n") return false;
    const depth = this.stack.filter((f) => f.k === "obj" || f.k === "arr").length;
    return this.ws++ <= INDENT_PER_LEVEL * depth;
  }

  /** Whitespace is insignificant here (outside strings, numbers and literals). */
  private betweenTokens(): boolean {
    if (this.done) return true;
    const k = this.stack[this.stack.length - 1]!.k;
    return k === "value" || k === "obj" || k === "arr";
  }

  private top(f: Frame): void {
    this.stack[this.stack.length - 1] = f;
  }

  /** The top frame's value is complete: pop it and advance its container. */
  private finish(): void {
    this.stack.pop();
    const p = this.stack[this.stack.length - 1];
    if (!p) this.done = true;
    else if (p.k === "obj") this.top({ ...p, st: "next" });
    else if (p.k === "arr") this.top({ ...p, st: "next", n: p.n + 1 });
  }

  private allows(s: SchemaNode, t: "object" | "array" | "string" | "number" | "boolean" | "null"): boolean {
    if (s.types === null) return true;
    return s.types.has(t) || (t === "number" && s.types.has("integer"));
  }

  private startValue(s: SchemaNode, c: string): boolean {
    if (s.enumTexts) {
      const alts = s.enumTexts.filter((a) => a.startsWith(c));
      if (alts.length === 0) return false;
      this.top({ k: "alts", alts, buf: "" });
      return this.altsChar({ k: "alts", alts, buf: "" }, c);
    }
    if (c === "{" && this.allows(s, "object")) this.top({ k: "obj", s, st: "first", seen: [], key: "" });
    else if (c === "[" && this.allows(s, "array")) this.top({ k: "arr", s, st: "first", n: 0 });
    else if (c === '"' && this.allows(s, "string")) this.top({ k: "str", s, key: false, text: "", len: 0, esc: 0, hex: "" });
    else if ((c === "-" || (c >= "0" && c <= "9")) && this.allows(s, "number")) {
      const int = s.types !== null && !s.types.has("number");
      this.top({ k: "num", int, st: "sign", digits: 0 });
      return c === "-" || this.numChar(this.stack[this.stack.length - 1] as Frame & { k: "num" }, c);
    } else if ((c === "t" || c === "f") && this.allows(s, "boolean")) this.top({ k: "lit", want: c === "t" ? "true" : "false", at: 1 });
    else if (c === "n" && this.allows(s, "null")) this.top({ k: "lit", want: "null", at: 1 });
    else return false;
    return true;
  }

  /** Keys still possible in an object (null = any key). */
  private openKeys(f: Frame & { k: "obj" }): string[] | null {
    if (f.s.additional !== null) return null;
    return [...f.s.properties.keys()].filter((k) => !f.seen.includes(k));
  }

  private objChar(f: Frame & { k: "obj" }, c: string): boolean {
    if (f.st === "colon") {
      if (c !== ":") return false;
      const s = f.s.properties.get(f.key) ?? f.s.additional!;
      this.top({ ...f, st: "next" });
      this.stack.push({ k: "value", s });
      return true;
    }
    const canClose = f.s.required.every((r) => f.seen.includes(r));
    if (c === "}" && (f.st === "first" || f.st === "next")) {
      if (!canClose) return false;
      this.finish();
      return true;
    }
    const open = this.openKeys(f);
    if (c === "," && f.st === "next") {
      if (open !== null && open.length === 0) return false;
      this.top({ ...f, st: "key" });
      return true;
    }
    if (c === '"' && (f.st === "first" || f.st === "key")) {
      if (open !== null && open.length === 0) return false;
      this.stack.push({ k: "str", s: f.s, key: true, text: "", len: 0, esc: 0, hex: "" });
      return true;
    }
    return false;
  }

  private arrChar(f: Frame & { k: "arr" }, c: string): boolean {
    if (c === "]" && (f.st === "first" || f.st === "next")) {
      if (f.n < f.s.minItems) return false;
      this.finish();
      return true;
    }
    if (c === "," && f.st === "next") {
      if (f.n >= f.s.maxItems) return false;
      this.top({ ...f, st: "value" });
      return true;
    }
    if (f.st === "next" || (f.st === "first" && f.s.maxItems === 0)) return false;
    this.top({ ...f, st: "next" });
    this.stack.push({ k: "value", s: f.s.items });
    return this.startValue(f.s.items, c);
  }

  private strChar(f: Frame & { k: "str" }, c: string): boolean {
    let add: string | null = null;
    if (f.esc === 1) {
      if (c === "u") {
        this.top({ ...f, esc: 2, hex: "" });
        return true;
      }
      add = ESCAPES[c] ?? null;
      if (add === null) return false;
    } else if (f.esc === 2) {
      if (!/^[0-9a-fA-F]$/.test(c)) return false;
      const hex = f.hex + c;
      if (hex.length < 4) {
        this.top({ ...f, hex });
        return true;
      }
      add = String.fromCharCode(parseInt(hex, 16));
    } else if (c === "\\") {
      if (f.key && this.openKeys(this.stack[this.stack.length - 2] as Frame & { k: "obj" }) !== null) return false; // names need no escapes
      if (!f.key && f.len >= f.s.maxLength) return false;
      this.top({ ...f, esc: 1 });
      return true;
    } else if (c === '"') return this.closeString(f);
    else if (c.charCodeAt(0) < 0x20) return false;
    else add = c;
    return this.strAdd(f, add);
  }

  private strAdd(f: Frame & { k: "str" }, add: string): boolean {
    const text = f.key || f.s.maxLength < Infinity ? f.text + add : "";
    const len = f.len + [...add].length;
    if (f.key) {
      const obj = this.stack[this.stack.length - 2] as Frame & { k: "obj" };
      const open = this.openKeys(obj);
      if (open !== null && !open.some((k) => k.startsWith(text))) return false;
    } else if (len > f.s.maxLength) return false;
    this.top({ ...f, text, len, esc: 0, hex: "" });
    return true;
  }

  private closeString(f: Frame & { k: "str" }): boolean {
    if (!f.key) {
      if (f.len < f.s.minLength) return false;
      this.finish();
      return true;
    }
    this.stack.pop();
    const obj = this.stack[this.stack.length - 1] as Frame & { k: "obj" };
    const open = this.openKeys(obj);
    if (open !== null ? !open.includes(f.text) : obj.seen.includes(f.text)) return false;
    this.top({ ...obj, st: "colon", key: f.text, seen: [...obj.seen, f.text] });
    return true;
  }

  private numChar(f: Frame & { k: "num" }, c: string): boolean {
    const digit = c >= "0" && c <= "9";
    if (digit && f.digits >= MAX_DIGITS) return false;
    const d = digit ? f.digits + 1 : f.digits;
    let st: typeof f.st | null = null;
    switch (f.st) {
      case "sign": st = c === "0" ? "zero" : digit ? "int" : null; break;
      case "zero": st = c === "." && !f.int ? "dot" : (c === "e" || c === "E") && !f.int ? "e" : null; break;
      case "int": st = digit ? "int" : c === "." && !f.int ? "dot" : (c === "e" || c === "E") && !f.int ? "e" : null; break;
      case "dot": st = digit ? "frac" : null; break;
      case "frac": st = digit ? "frac" : c === "e" || c === "E" ? "e" : null; break;
      case "e": st = c === "+" || c === "-" ? "esign" : digit ? "exp" : null; break;
      case "esign": st = digit ? "exp" : null; break;
      case "exp": st = digit ? "exp" : null; break;
    }
    if (st !== null) {
      this.top({ ...f, st, digits: d });
      return true;
    }
    if (f.st !== "zero" && f.st !== "int" && f.st !== "frac" && f.st !== "exp") return false;
    this.finish(); // the number ended: the character belongs to the container
    return this.char(c);
  }

  private litChar(f: Frame & { k: "lit" }, c: string): boolean {
    if (f.want[f.at] !== c) return false;
    if (f.at + 1 === f.want.length) this.finish();
    else this.top({ ...f, at: f.at + 1 });
    return true;
  }

  private altsChar(f: Frame & { k: "alts" }, c: string): boolean {
    const buf = f.buf + c;
    const alts = f.alts.filter((a) => a.startsWith(buf));
    if (alts.length > 0) {
      if (alts.length === 1 && alts[0] === buf) this.finish();
      else this.top({ k: "alts", alts, buf });
      return true;
    }
    if (!f.alts.includes(f.buf)) return false;
    this.finish();
    return this.char(c);
  }

  /** The text so far is a complete value (a pending number or enum that is already whole also counts). */
  get complete(): boolean {
    if (this.done) return true;
    if (this.stack.length !== 1) return false;
    const f = this.stack[0]!;
    return (f.k === "num" && (f.st === "zero" || f.st === "int" || f.st === "frac" || f.st === "exp")) || (f.k === "alts" && f.alts.includes(f.buf));
  }
}
