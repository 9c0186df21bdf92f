// Typed metadata getters: each throws a FormatError naming the key when it is missing or of the wrong kind.
import { FormatError } from "../../util/errors.js";
import type { GgufValue } from "./types.js";

/** Anything with GGUF metadata: a parsed GgufFile or a GgufToWrite. */
export interface HasGgufMetadata {
  metadata: Map<string, GgufValue>;
}

function describe(v: GgufValue): string {
  if (typeof v !== "object") return `${typeof v} ${JSON.stringify(typeof v === "bigint" ? String(v) : v)}`.slice(0, 80);
  return `array of ${v.length}`;
}

function wrong(key: string, want: string, v: GgufValue): FormatError {
  return new FormatError("gguf", `metadata key '${key}' must be ${want} but is ${describe(v)}`);
}

function missing(key: string): FormatError {
  return new FormatError("gguf", `metadata key '${key}' is missing`);
}

function asNumber(key: string, v: GgufValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") throw new FormatError("gguf", `metadata key '${key}' = ${v} is too large for a number`);
  throw wrong(key, "a number", v);
}

function isNumberArray(v: GgufValue): v is ArrayLike<number> {
  if (typeof v !== "object") return false;
  if (ArrayBuffer.isView(v)) return true;
  const a = v as GgufValue[];
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== "number") return false;
  return true;
}

function isStringArray(v: GgufValue): v is string[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") return false;
  return true;
}

export function getOptionalString(g: HasGgufMetadata, key: string): string | undefined {
  const v = g.metadata.get(key);
  if (v === undefined || typeof v === "string") return v;
  throw wrong(key, "a string", v);
}

export function getOptionalNumber(g: HasGgufMetadata, key: string): number | undefined {
  const v = g.metadata.get(key);
  return v === undefined ? undefined : asNumber(key, v);
}

/** A number that must be an integer (any GGUF integer type). */
export function getOptionalInteger(g: HasGgufMetadata, key: string): number | undefined {
  const v = getOptionalNumber(g, key);
  if (v !== undefined && !Number.isInteger(v)) throw wrong(key, "an integer", v);
  return v;
}

export function getOptionalBoolean(g: HasGgufMetadata, key: string): boolean | undefined {
  const v = g.metadata.get(key);
  if (v === undefined || typeof v === "boolean") return v;
  throw wrong(key, "a boolean", v);
}

export function getOptionalStringArray(g: HasGgufMetadata, key: string): string[] | undefined {
  const v = g.metadata.get(key);
  if (v === undefined || isStringArray(v)) return v;
  throw wrong(key, "an array of strings", v);
}

/** Numeric arrays (typed arrays or number[]); 64-bit arrays with values beyond 2^53 are refused. */
export function getOptionalNumberArray(g: HasGgufMetadata, key: string): ArrayLike<number> | undefined {
  const v = g.metadata.get(key);
  if (v === undefined || isNumberArray(v)) return v;
  throw wrong(key, "an array of numbers", v);
}

function required<T>(key: string, v: T | undefined): T {
  if (v === undefined) throw missing(key);
  return v;
}

export function getString(g: HasGgufMetadata, key: string): string {
  return required(key, getOptionalString(g, key));
}
export function getNumber(g: HasGgufMetadata, key: string): number {
  return required(key, getOptionalNumber(g, key));
}
export function getInteger(g: HasGgufMetadata, key: string): number {
  return required(key, getOptionalInteger(g, key));
}
export function getBoolean(g: HasGgufMetadata, key: string): boolean {
  return required(key, getOptionalBoolean(g, key));
}
export function getStringArray(g: HasGgufMetadata, key: string): string[] {
  return required(key, getOptionalStringArray(g, key));
}
export function getNumberArray(g: HasGgufMetadata, key: string): ArrayLike<number> {
  return required(key, getOptionalNumberArray(g, key));
}
