// model.safetensors.index.json: strict parse, and output byte-identical to transformers' json.dumps(indent=2, sort_keys).
import { FormatError } from "../../util/errors.js";
import { setOwn } from "./header.js";
import { JsonCursor } from "./json-cursor.js";
import { compareCodePoints, q } from "./types.js";

const OP = "safetensors.index";
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Largest index file read (a 1000-shard, 100k-tensor index is a few MB). */
export const MAX_INDEX_BYTES = 100_000_000;

export interface CheckpointIndex {
  /** The index's "metadata" object (transformers writes {"total_size": bytes}); values as JSON gives them. */
  metadata: Record<string, unknown>;
  /** Tensor name -> shard file name, in the index's order. */
  weightMap: Map<string, string>;
}

function readMetadata(c: JsonCursor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.kind() === "null") {
    c.literal(() => "metadata");
    return out;
  }
  c.object(
    () => "metadata",
    (key) => {
      const start = c.pos;
      c.skip(() => `metadata key ${q(key)}`, 1);
      setOwn(out, key, JSON.parse(c.text.slice(start, c.pos)) as unknown);
    },
  );
  return out;
}

function readWeightMap(c: JsonCursor): Map<string, string> {
  const map = new Map<string, string>();
  c.object(
    () => "weight_map",
    (name) => {
      const field = () => `weight_map entry for tensor ${q(name)}`;
      c.expectKind("string", field);
      map.set(name, c.string(field));
    },
  );
  return map;
}

/** Parses index bytes; `source` (the file name) starts every error message. Unknown top-level keys are skipped. */
export function parseCheckpointIndex(bytes: Uint8Array, source: string): CheckpointIndex {
  const prefix = `${source}: `;
  if (bytes.length > MAX_INDEX_BYTES) throw new FormatError(OP, `${prefix}index is ${bytes.length} bytes, above the ${MAX_INDEX_BYTES}-byte limit`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new FormatError(OP, `${prefix}index is not valid UTF-8`);
  }
  const c: JsonCursor = new JsonCursor(text, OP, prefix, "index");
  const got: { metadata: Record<string, unknown>; weightMap?: Map<string, string> } = { metadata: {} };
  c.object(
    () => "index",
    (key) => {
      if (key === "metadata") got.metadata = readMetadata(c);
      else if (key === "weight_map") got.weightMap = readWeightMap(c);
      else c.skip(() => `index key ${q(key)}`, 1);
    },
  );
  c.end();
  if (!got.weightMap) c.fail("index has no weight_map");
  return { metadata: got.metadata, weightMap: got.weightMap };
}

/** Python json.dumps with ensure_ascii: every character outside space..'~' is escaped. */
function pyJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function pyObject(entries: [string, unknown][], indent: string): string {
  if (entries.length === 0) return "{}";
  const inner = `${indent}  `;
  const sorted = entries.slice().sort((a, b) => compareCodePoints(a[0], b[0]));
  return `{\n${sorted.map(([k, v]) => `${inner}${pyJson(k)}: ${pyJson(v)}`).join(",\n")}\n${indent}}`;
}

/** The index text, byte for byte as transformers writes it (keys sorted, 2-space indent, ASCII only). */
export function serializeCheckpointIndex(metadata: Record<string, number | string>, weightMap: Map<string, string>): string {
  const meta = pyObject(Object.entries(metadata), "  ");
  const map = pyObject([...weightMap], "  ");
  return `{\n  "metadata": ${meta},\n  "weight_map": ${map}\n}\n`;
}
