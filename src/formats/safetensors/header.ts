// safetensors header schema ({__metadata__, name: {dtype, shape, data_offsets}}), read field by field with the strict cursor.
import { UnsupportedError } from "../../util/errors.js";
import { JsonCursor } from "./json-cursor.js";
import { isStDtype, q, ST_DTYPES, StDtype, UNSUPPORTED_DTYPES } from "./types.js";

/** One header entry as written: offsets are relative to the data section. */
export interface HeaderEntry {
  name: string;
  dtype: StDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface ParsedHeader {
  metadata: Record<string, string>;
  entries: HeaderEntry[];
}

/** Sets an own property (a key such as "__proto__" stays data, never a prototype). */
export function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function readMetadata(c: JsonCursor): Record<string, string> {
  const metadata: Record<string, string> = {};
  // The reference library reads `"__metadata__": null` as no metadata.
  if (c.kind() === "null") {
    c.literal(() => "__metadata__");
    return metadata;
  }
  c.object(
    () => "__metadata__",
    (key) => {
      const field = () => `__metadata__ key ${q(key)}`;
      c.expectKind("string", field);
      setOwn(metadata, key, c.string(field));
    },
  );
  return metadata;
}

function readDtype(c: JsonCursor, name: string): StDtype {
  const field = () => `tensor ${q(name)} dtype`;
  c.expectKind("string", field);
  const d = c.string(field);
  if (isStDtype(d)) return d;
  if (UNSUPPORTED_DTYPES.has(d)) throw new UnsupportedError(c.op, `${c.prefix}tensor ${q(name)} has dtype ${d}, which weft does not support yet`);
  c.fail(`tensor ${q(name)} dtype ${q(d)} is not a safetensors dtype (known: ${ST_DTYPES.join(", ")})`);
}

function readShape(c: JsonCursor, name: string): number[] {
  const shape: number[] = [];
  c.array(
    () => `tensor ${q(name)} shape`,
    (i) => shape.push(c.integer(() => `tensor ${q(name)} shape[${i}]`)),
  );
  return shape;
}

function readOffsets(c: JsonCursor, name: string): [number, number] {
  const field = () => `tensor ${q(name)} data_offsets`;
  const offsets: number[] = [];
  c.array(field, (i) => {
    if (i >= 2) c.fail(`${field()} has more than 2 items`);
    offsets.push(c.integer(() => `${field()}[${i}]`));
  });
  if (offsets.length !== 2) c.fail(`${field()} has ${offsets.length} items, not 2 ([begin, end])`);
  return [offsets[0]!, offsets[1]!];
}

function readEntry(c: JsonCursor, name: string): HeaderEntry {
  let dtype: StDtype | undefined;
  let shape: number[] | undefined;
  let offsets: [number, number] | undefined;
  c.object(
    () => `tensor ${q(name)}`,
    (key) => {
      if (key === "dtype") dtype = readDtype(c, name);
      else if (key === "shape") shape = readShape(c, name);
      else if (key === "data_offsets") offsets = readOffsets(c, name);
      else c.fail(`tensor ${q(name)} has unexpected field ${q(key)} (allowed: dtype, shape, data_offsets)`);
    },
  );
  if (dtype === undefined) c.fail(`tensor ${q(name)} has no dtype`);
  if (shape === undefined) c.fail(`tensor ${q(name)} has no shape`);
  if (offsets === undefined) c.fail(`tensor ${q(name)} has no data_offsets`);
  return { name, dtype, shape, begin: offsets[0], end: offsets[1] };
}

/** Parses the header text; `prefix` starts every error message (the file name and ": ", or ""). */
export function parseHeaderText(text: string, op: string, prefix: string): ParsedHeader {
  const c = new JsonCursor(text, op, prefix, "header");
  if (text.charCodeAt(0) !== 0x7b) {
    c.fail(`header does not start with '{' (it starts with ${JSON.stringify(text.slice(0, 12))})`);
  }
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  c.object(
    () => "header",
    (key) => {
      if (key === "__metadata__") metadata = readMetadata(c);
      else entries.push(readEntry(c, key));
    },
  );
  c.end();
  return { metadata, entries };
}
