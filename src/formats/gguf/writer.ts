// GGUF v2/v3 writer: lays out header, metadata, tensor infos and aligned tensor data; atomic file writes.
import { writeFileAtomic } from "../../util/atomic.js";
import { GgmlTypeInfo, ggmlType, rowBytes } from "../../dtype/ggml.js";
import { ArgumentError, WeftError } from "../../util/errors.js";
import { ByteWriter } from "./byte-writer.js";
import { alignUp } from "./read-tensors.js";
import { GGML_MAX_DIMS, GGML_MAX_NAME, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufTensorToWrite, GgufToWrite, GgufTypeSpec,
  GgufValue, MAX_EXACT_INT } from "./types.js";
import { checkSpec, inferValueType, writeValue } from "./write-values.js";

/** A laid-out file: header bytes (through the padding before the data), then each tensor's bytes at its offset. */
export interface GgufPlan {
  header: Uint8Array;
  alignment: number;
  /** Offsets relative to the end of `header`. */
  tensors: { data: Uint8Array; relOffset: number }[];
  totalBytes: number;
}

function isPow2(a: unknown): a is number {
  return typeof a === "number" && Number.isInteger(a) && a > 0 && a <= 0xffffffff && (a & (a - 1)) === 0;
}

/** The alignment to use, and the metadata to write (general.alignment added when a non-default one is asked for). */
function resolveAlignment(g: GgufToWrite): { alignment: number; metadata: Map<string, GgufValue> } {
  const fromMeta = g.metadata.get("general.alignment");
  if (fromMeta !== undefined) {
    if (!isPow2(fromMeta)) throw new ArgumentError("gguf.write", `general.alignment ${String(fromMeta)} is not a power of two`);
    const spec = g.metadataTypes?.get("general.alignment");
    if (spec && spec.type !== "u32") throw new ArgumentError("gguf.write", `general.alignment must be u32, not ${spec.type}`);
    if (g.alignment !== undefined && g.alignment !== fromMeta) {
      throw new ArgumentError("gguf.write", `alignment ${g.alignment} differs from general.alignment ${fromMeta}`);
    }
    return { alignment: fromMeta, metadata: g.metadata };
  }
  const alignment = g.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!isPow2(alignment)) throw new ArgumentError("gguf.write", `alignment ${alignment} is not a power of two`);
  if (alignment === GGUF_DEFAULT_ALIGNMENT) return { alignment, metadata: g.metadata };
  const metadata = new Map(g.metadata);
  metadata.set("general.alignment", alignment);
  return { alignment, metadata };
}

function checkTensor(t: GgufTensorToWrite, seen: Set<string>): { type: GgmlTypeInfo; nbytes: number; nameBytes: number } {
  const nameBytes = Buffer.byteLength(t.name, "utf8");
  if (nameBytes >= GGML_MAX_NAME) {
    throw new ArgumentError("gguf.write", `tensor name '${t.name}' is ${nameBytes} bytes; ggml allows at most ${GGML_MAX_NAME - 1}`);
  }
  if (seen.has(t.name)) throw new ArgumentError("gguf.write", `tensor name '${t.name}' appears twice`);
  seen.add(t.name);
  if (t.shape.length > GGML_MAX_DIMS) {
    throw new ArgumentError("gguf.write", `tensor '${t.name}' has ${t.shape.length} dimensions; at most ${GGML_MAX_DIMS}`);
  }
  let elements = 1;
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ArgumentError("gguf.write", `tensor '${t.name}' has dimension ${d}`);
    elements *= d;
  }
  if (elements > MAX_EXACT_INT) throw new ArgumentError("gguf.write", `tensor '${t.name}' has more than 2^53 elements`);
  let type: GgmlTypeInfo;
  let nbytes: number;
  try {
    type = ggmlType(t.type);
    nbytes = rowBytes(type, t.shape.length > 0 ? t.shape[0]! : 1) * t.shape.slice(1).reduce((a, b) => a * b, 1);
  } catch (e) {
    if (e instanceof WeftError) throw new ArgumentError("gguf.write", `tensor '${t.name}': ${e.message}`);
    throw e;
  }
  if (t.data.length !== nbytes) {
    throw new ArgumentError(
      "gguf.write",
      `tensor '${t.name}' [${t.shape.join(", ")}] ${type.name} needs ${nbytes} bytes but data has ${t.data.length}`,
    );
  }
  return { type, nbytes, nameBytes };
}

function writeMetadata(w: ByteWriter, metadata: Map<string, GgufValue>, overrides?: Map<string, GgufTypeSpec>): void {
  for (const [key, value] of metadata) {
    if (typeof key !== "string" || key.length === 0) throw new ArgumentError("gguf.write", "metadata keys must be non-empty strings");
    const override = overrides?.get(key);
    if (override) checkSpec(key, override);
    const spec = override ?? inferValueType(key, value);
    if (key === "general.alignment" && spec.type !== "u32") {
      throw new ArgumentError("gguf.write", `general.alignment must be u32, not ${spec.type}`);
    }
    w.string(key, () => `metadata key '${key}'`);
    writeValue(w, key, value, spec);
  }
}

/** Lays out a GGUF file without copying tensor data. */
export function planGguf(g: GgufToWrite): GgufPlan {
  const version = g.version ?? 3;
  if (version !== 2 && version !== 3) throw new ArgumentError("gguf.write", `version ${String(version)} is not 2 or 3`);
  const { alignment, metadata } = resolveAlignment(g);
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(version);
  w.u64(g.tensors.length);
  w.u64(metadata.size);
  writeMetadata(w, metadata, g.metadataTypes);
  const seen = new Set<string>();
  const tensors: GgufPlan["tensors"] = [];
  let end = 0;
  for (const t of g.tensors) {
    const { type, nbytes } = checkTensor(t, seen);
    const relOffset = alignUp(end, alignment);
    w.string(t.name, () => `tensor name '${t.name}'`);
    w.u32(t.shape.length);
    for (const d of t.shape) w.u64(d);
    w.u32(type.id);
    w.u64(relOffset);
    tensors.push({ data: t.data, relOffset });
    end = relOffset + nbytes;
  }
  if (tensors.length > 0) w.pad(alignment);
  const header = w.result();
  return { header, alignment, tensors, totalBytes: header.length + alignUp(end, alignment) };
}

/** Serialises a GGUF file into one buffer (each tensor padded to the alignment, the last one included). */
export function serializeGguf(g: GgufToWrite): Uint8Array {
  const plan = planGguf(g);
  const out = new Uint8Array(plan.totalBytes);
  out.set(plan.header, 0);
  for (const t of plan.tensors) out.set(t.data, plan.header.length + t.relOffset);
  return out;
}

/** Writes a GGUF file atomically: a temp file in the same folder, fsync, rename over `path`. */
export function writeGgufFile(path: string, g: GgufToWrite): void {
  const plan = planGguf(g);
  writeFileAtomic(path, ggufChunks(plan));
}

/** Header, then each tensor after the zero padding that aligns it, then the tail padding. */
function* ggufChunks(plan: GgufPlan): Generator<Uint8Array> {
  yield plan.header;
  let pos = 0;
  const zeros = new Uint8Array(plan.alignment);
  for (const t of plan.tensors) {
    if (t.relOffset > pos) yield zeros.subarray(0, t.relOffset - pos);
    yield t.data;
    pos = t.relOffset + t.data.length;
  }
  const tail = plan.totalBytes - plan.header.length - pos;
  if (tail > 0) yield zeros.subarray(0, tail);
}
