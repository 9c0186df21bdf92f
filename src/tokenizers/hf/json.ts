// Checked access to parsed JSON (tokenizer.json, tokenizer_config.json, ...): wrong shapes become FormatErrors.
import { existsSync, readFileSync, statSync } from "node:fs";
import { FormatError } from "../../util/errors.js";

export const OP = "hf-tokenizer";

/** A plain JSON object. */
export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value as an object, or a FormatError naming `what`. */
export function asObject(v: unknown, what: string): Json {
  if (!isObject(v)) throw new FormatError(OP, `${what} must be a JSON object but is ${describe(v)}`);
  return v;
}

/** The value as an array, or a FormatError naming `what`. */
export function asArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new FormatError(OP, `${what} must be a JSON array but is ${describe(v)}`);
  return v;
}

/** A string field, or undefined when absent/null; a FormatError when it is something else. */
export function optString(o: Json, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new FormatError(OP, `${what}.${key} must be a string but is ${describe(v)}`);
  return v;
}

/** A boolean field, or undefined when absent/null. */
export function optBool(o: Json, key: string, what: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new FormatError(OP, `${what}.${key} must be a boolean but is ${describe(v)}`);
  return v;
}

/** Largest token id accepted anywhere (far above any real vocabulary, far below a huge allocation). */
export const MAX_TOKEN_ID = (1 << 24) - 1;

/** A token id: an integer in [0, MAX_TOKEN_ID]. */
export function asTokenId(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_TOKEN_ID) {
    throw new FormatError(OP, `${what} must be a token id in [0, ${MAX_TOKEN_ID}] but is ${describe(v)}`);
  }
  return v;
}

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v);
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

/** Files larger than this are refused before reading (the largest real tokenizer.json files are ~35 MB). */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** Text of a file, checked to be a regular file under MAX_JSON_BYTES. */
export function readTextFile(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) throw new FormatError(OP, `${path} is not a regular file`);
  if (st.size > MAX_JSON_BYTES) throw new FormatError(OP, `${path} has ${st.size} bytes, more than the ${MAX_JSON_BYTES} accepted`);
  return readFileSync(path, "utf8");
}

/** Parsed JSON of a file, or a FormatError naming the file. */
export function readJsonFile(path: string): unknown {
  const text = readTextFile(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FormatError(OP, `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Parsed JSON of an optional file: undefined when it does not exist. */
export function readOptionalJson(path: string): unknown {
  return existsSync(path) ? readJsonFile(path) : undefined;
}
