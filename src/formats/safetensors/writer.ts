// safetensors writer: validates tensors, lays them out like the reference library (sorted, padded header), writes atomically.
import { ArgumentError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { compareCodePoints, dtypeRank, dtypeSize, hasLoneSurrogate, isStDtype, MAX_EXACT_INT, q, StTensorToWrite,
  StWriteOptions } from "./types.js";

const OP = "safetensors.write";

/** A laid-out file: `header` is the length prefix, the JSON and its padding; then `tensors`' data in this order. */
export interface StPlan {
  header: Uint8Array;
  tensors: StTensorToWrite[];
  totalBytes: number;
}

function checkString(s: unknown, what: () => string): asserts s is string {
  if (typeof s !== "string") throw new ArgumentError(OP, `${what()} must be a string, not ${typeof s}`);
  if (hasLoneSurrogate(s)) throw new ArgumentError(OP, `${what()} ${q(s)} has an unpaired surrogate (no UTF-8 form)`);
}

/** Bytes of the tensor as its shape and dtype require; throws ArgumentError on any bad field. */
export function checkTensorToWrite(t: StTensorToWrite): number {
  checkString(t.name, () => "tensor name");
  if (t.name === "__metadata__") throw new ArgumentError(OP, "a tensor cannot be named '__metadata__'");
  if (typeof t.dtype !== "string" || !isStDtype(t.dtype)) {
    throw new ArgumentError(OP, `tensor ${q(t.name)} dtype ${String(t.dtype)} is not a safetensors dtype`);
  }
  if (!Array.isArray(t.shape)) throw new ArgumentError(OP, `tensor ${q(t.name)} shape must be an array`);
  let n = dtypeSize(t.dtype);
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ArgumentError(OP, `tensor ${q(t.name)} has dimension ${String(d)}`);
    n *= d;
  }
  if (n > MAX_EXACT_INT) throw new ArgumentError(OP, `tensor ${q(t.name)} [${t.shape.join(", ")}] has more than 2^53 bytes`);
  if (!(t.data instanceof Uint8Array) || t.data.length !== n) {
    const got = t.data instanceof Uint8Array ? `${t.data.length} bytes` : "no Uint8Array";
    throw new ArgumentError(OP, `tensor ${q(t.name)} ${t.dtype} [${t.shape.join(", ")}] needs ${n} bytes but data has ${got}`);
  }
  return n;
}

function ordered(tensors: StTensorToWrite[], order: StWriteOptions["order"]): StTensorToWrite[] {
  if (order === "given") return tensors.slice();
  if (order === "name") return tensors.slice().sort((a, b) => compareCodePoints(a.name, b.name));
  if (order !== undefined && order !== "reference") throw new ArgumentError(OP, `order ${String(order)} is not reference, name or given`);
  return tensors.slice().sort((a, b) => dtypeRank(b.dtype) - dtypeRank(a.dtype) || compareCodePoints(a.name, b.name));
}

function metadataJson(metadata: Record<string, string> | undefined): string | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== "object") throw new ArgumentError(OP, "metadata must be an object of strings");
  const parts: string[] = [];
  for (const [k, v] of Object.entries(metadata)) {
    checkString(k, () => "metadata key");
    checkString(v, () => `metadata value of key ${q(k)}`);
    parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  return parts.length ? `{${parts.join(",")}}` : null;
}

/** Lays out a file without copying tensor data. `metadata` is omitted from the header when undefined or empty. */
export function planSafetensors(tensors: StTensorToWrite[], metadata?: Record<string, string>, opts: StWriteOptions = {}): StPlan {
  if (!Array.isArray(tensors)) throw new ArgumentError(OP, "tensors must be an array");
  const seen = new Set<string>();
  for (const t of tensors) {
    checkTensorToWrite(t);
    if (seen.has(t.name)) throw new ArgumentError(OP, `tensor name ${q(t.name)} appears twice`);
    seen.add(t.name);
  }
  const list = ordered(tensors, opts.order);
  const parts: string[] = [];
  const meta = metadataJson(metadata);
  if (meta !== null) parts.push(`"__metadata__":${meta}`);
  let offset = 0;
  for (const t of list) {
    const end = offset + t.data.length;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = Buffer.from(`{${parts.join(",")}}`, "utf8");
  const padding = opts.pad === false ? 0 : (8 - (json.length % 8)) % 8;
  const header = new Uint8Array(8 + json.length + padding);
  new DataView(header.buffer).setBigUint64(0, BigInt(json.length + padding), true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.length);
  return { header, tensors: list, totalBytes: header.length + offset };
}

/** Serialises tensors into one buffer, laid out as `opts` says (by default like the reference library). */
export function serializeSafetensors(tensors: StTensorToWrite[], metadata?: Record<string, string>, opts?: StWriteOptions): Uint8Array {
  const plan = planSafetensors(tensors, metadata, opts);
  const out = new Uint8Array(plan.totalBytes);
  out.set(plan.header, 0);
  let at = plan.header.length;
  for (const t of plan.tensors) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
}

/** Writes a safetensors file atomically (temp file in the same folder, fsync, rename), streaming tensor data. */
export function writeSafetensorsFile(path: string, tensors: StTensorToWrite[], metadata?: Record<string, string>, opts?: StWriteOptions): void {
  const plan = planSafetensors(tensors, metadata, opts);
  writeFileAtomic(path, [plan.header, ...plan.tensors.map((t) => t.data)]);
}
