// The JSON Schema subset that constrained sampling enforces, compiled to plain nodes; anything else is refused.
import { ArgumentError } from "../util/errors.js";

export type JsonType = "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";

/** A compiled schema node. `types` null = any JSON value. */
export interface SchemaNode {
  types: ReadonlySet<JsonType> | null;
  /** Exact JSON texts the value must be one of (enum / const). */
  enumTexts: string[] | null;
  properties: ReadonlyMap<string, SchemaNode>;
  required: readonly string[];
  /** Schema of keys not in `properties`; null = no other keys allowed. */
  additional: SchemaNode | null;
  items: SchemaNode;
  minItems: number;
  maxItems: number;
  minLength: number;
  maxLength: number;
}

const TYPES = new Set<JsonType>(["object", "array", "string", "number", "integer", "boolean", "null"]);
/** Keywords that only annotate. */
const ANNOTATIONS = new Set(["title", "description", "$schema", "$id", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly"]);
const KNOWN = new Set(["type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const", "minLength", "maxLength"]);

/** The schema every value satisfies (json_object's values, additionalProperties: true). */
export const ANY: SchemaNode = {
  types: null, enumTexts: null, properties: new Map(), required: [], additional: null, items: null as unknown as SchemaNode,
  minItems: 0, maxItems: Infinity, minLength: 0, maxLength: Infinity,
};
(ANY as { items: SchemaNode }).items = ANY;
(ANY as { additional: SchemaNode | null }).additional = ANY;

/** response_format json_object: any JSON object. */
export const ANY_OBJECT: SchemaNode = { ...ANY, types: new Set(["object"]) };

const OP = "json_schema";

function fail(path: string, msg: string): never {
  throw new ArgumentError(OP, `${path}: ${msg}`);
}

function count(v: unknown, path: string, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(path, `${name} must be a non-negative integer`);
  return v;
}

function types(v: unknown, path: string): Set<JsonType> | null {
  if (v === undefined) return null;
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) fail(path, "type must not be an empty list");
  for (const t of list) if (typeof t !== "string" || !TYPES.has(t as JsonType)) fail(path, `unknown type ${JSON.stringify(t)}`);
  return new Set(list as JsonType[]);
}

/**
 * Compile a schema. Supported: type (one or a list), properties, required, additionalProperties (boolean or a schema;
 * keys outside `properties` are allowed only when it is given and not false), items (one schema), minItems, maxItems,
 * enum, const, minLength, maxLength, and annotations. Every other keyword (anyOf, $ref, pattern, format, minimum, ...)
 * is refused, so that what is generated always matches the schema as given.
 */
export function compileSchema(schema: unknown, path = "schema"): SchemaNode {
  if (schema === true || (typeof schema === "object" && schema !== null && !Array.isArray(schema) && Object.keys(schema).length === 0)) return ANY;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) fail(path, "a schema must be an object");
  const s = schema as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!KNOWN.has(k) && !ANNOTATIONS.has(k)) fail(path, `keyword '${k}' is not supported by constrained sampling`);
  const node: SchemaNode = { ...ANY, types: types(s.type, path), additional: null };
  if (s.enum !== undefined || s.const !== undefined) {
    const vals = s.const !== undefined ? [s.const] : s.enum;
    if (!Array.isArray(vals) || vals.length === 0) fail(path, "enum must be a non-empty list");
    node.enumTexts = vals.map((v) => {
      if (v !== null && typeof v === "object") fail(path, "enum values must be strings, numbers, booleans or null");
      return JSON.stringify(v);
    });
    node.enumTexts = node.enumTexts.filter((t) => node.types === null || node.types.has(typeOfText(t)) || (typeOfText(t) === "integer" && node.types.has("number")));
    if (node.enumTexts.length === 0) fail(path, "no enum value has an allowed type");
    return node;
  }
  const props = s.properties;
  if (props !== undefined) {
    if (typeof props !== "object" || props === null || Array.isArray(props)) fail(path, "properties must be an object");
    for (const k of Object.keys(props)) if (/["\\\u0000-\u001f]/.test(k)) fail(path, `property name ${JSON.stringify(k)} needs escaping, which is not supported`);
    node.properties = new Map(Object.entries(props).map(([k, v]) => [k, compileSchema(v, `${path}.properties.${k}`)]));
  }
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || s.required.some((r) => typeof r !== "string")) fail(path, "required must be a list of strings");
    node.required = s.required as string[];
  }
  const ap = s.additionalProperties;
  if (ap === undefined || ap === false) node.additional = props === undefined && ap === undefined ? ANY : null;
  else node.additional = compileSchema(ap, `${path}.additionalProperties`);
  for (const r of node.required) if (!node.properties.has(r) && node.additional === null) fail(path, `required property '${r}' is not allowed by properties`);
  if (s.items !== undefined) node.items = compileSchema(s.items, `${path}.items`);
  node.minItems = count(s.minItems, path, "minItems") ?? 0;
  node.maxItems = count(s.maxItems, path, "maxItems") ?? Infinity;
  node.minLength = count(s.minLength, path, "minLength") ?? 0;
  node.maxLength = count(s.maxLength, path, "maxLength") ?? Infinity;
  if (node.minItems > node.maxItems || node.minLength > node.maxLength) fail(path, "a minimum exceeds its maximum");
  return node;
}

function typeOfText(t: string): JsonType {
  if (t.startsWith('"')) return "string";
  if (t === "null") return "null";
  if (t === "true" || t === "false") return "boolean";
  return /^-?\d+$/.test(t) ? "integer" : "number";
}

/** Whether a parsed value matches a compiled node (tests and a final check of constrained output). */
export function matches(node: SchemaNode, v: unknown): boolean {
  if (node.enumTexts) return node.enumTexts.includes(JSON.stringify(v));
  const t: JsonType = v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number")
    : (typeof v as JsonType);
  if (node.types && !node.types.has(t) && !(t === "integer" && node.types.has("number"))) return false;
  if (t === "string") return [...(v as string)].length >= node.minLength && [...(v as string)].length <= node.maxLength;
  if (t === "array") {
    const a = v as unknown[];
    return a.length >= node.minItems && a.length <= node.maxItems && a.every((x) => matches(node.items, x));
  }
  if (t !== "object") return true;
  const o = v as Record<string, unknown>;
  if (!node.required.every((r) => Object.hasOwn(o, r))) return false;
  return Object.entries(o).every(([k, x]) => {
    const p = node.properties.get(k) ?? node.additional;
    return p !== null && matches(p, x);
  });
}
