// Writes Hugging Face checkpoint folders atomically as a whole: new shards never overwrite live ones; one rename switches.
import { existsSync, mkdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { ArgumentError } from "../../util/errors.js";
import { commitTemp, removeQuietly, syncDir, writeFileAtomic, writeTempSynced } from "../../util/atomic.js";
import { INDEX_FILE, SINGLE_FILE } from "./checkpoint-read.js";
import { parseCheckpointIndex, serializeCheckpointIndex } from "./index-json.js";
import { checkTensorToWrite, planSafetensors } from "./writer.js";
import { q, StTensorToWrite, StWriteOptions } from "./types.js";

const OP = "safetensors.checkpoint.write";

export interface ShardedWriteOptions extends StWriteOptions {
  /** Most tensor-data bytes per shard (a larger tensor gets a shard of its own), as in huggingface_hub. */
  maxShardBytes: number;
  /** `__metadata__` of every shard file (transformers writes {"format": "pt"}). */
  metadata?: Record<string, string>;
}

/** Splits tensors, in the given order, into shards of at most `maxShardBytes` data bytes (huggingface_hub's rule). */
export function planShards(tensors: StTensorToWrite[], maxShardBytes: number): StTensorToWrite[][] {
  const shards: StTensorToWrite[][] = [];
  let current: StTensorToWrite[] = [];
  let size = 0;
  for (const t of tensors) {
    const n = t.data.length;
    if (n > maxShardBytes) {
      shards.push([t]);
      continue;
    }
    if (size + n > maxShardBytes && current.length > 0) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(t);
    size += n;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);
  return shards;
}

function shardName(i: number, n: number, variant: number): string {
  const p = (x: number) => String(x).padStart(5, "0");
  return `model-${p(i + 1)}-of-${p(n)}${variant ? `-v${variant}` : ""}.safetensors`;
}

/** The files the checkpoint now in the folder uses (the ones a new write must not overwrite), and stale ones to delete. */
function currentState(folder: string): { single: boolean; index: boolean; shards: Set<string> } {
  const single = existsSync(join(folder, SINGLE_FILE));
  const index = existsSync(join(folder, INDEX_FILE));
  const shards = new Set<string>();
  if (index) {
    try {
      const path = join(folder, INDEX_FILE);
      for (const s of parseCheckpointIndex(new Uint8Array(readFileSync(path)), path).weightMap.values()) {
        if (/^[^\\/\0]+$/.test(s) && s !== "." && s !== ".." && s !== INDEX_FILE) shards.add(s);
      }
    } catch {
      // an unreadable index protects nothing: the folder holds no loadable sharded checkpoint
    }
  }
  return { single, index, shards };
}

/** Shard names that the live checkpoint does not use: the standard ones, or a "-vK" variant of them. */
function freshNames(n: number, live: Set<string>): string[] {
  for (let v = 0; ; v++) {
    const names = Array.from({ length: n }, (_, i) => shardName(i, n, v));
    if (!names.some((s) => live.has(s))) return names;
  }
}

function checkAll(tensors: StTensorToWrite[], opts: ShardedWriteOptions): number {
  if (!Array.isArray(tensors)) throw new ArgumentError(OP, "tensors must be an array");
  const max = opts?.maxShardBytes;
  if (!Number.isSafeInteger(max) || max <= 0) throw new ArgumentError(OP, `maxShardBytes ${String(max)} is not a positive integer`);
  const seen = new Set<string>();
  let total = 0;
  for (const t of tensors) {
    total += checkTensorToWrite(t);
    if (seen.has(t.name)) throw new ArgumentError(OP, `tensor name ${q(t.name)} appears twice`);
    seen.add(t.name);
  }
  return total;
}

/**
 * Writes `tensors` to `folder` as transformers does: one model.safetensors when they fit in one shard, else
 * model-0000i-of-0000N.safetensors shards plus model.safetensors.index.json. The switch is atomic: until the last
 * rename or unlink the folder loads as the previous checkpoint; afterwards files only the old one used are removed.
 */
export function writeShardedCheckpoint(folder: string, tensors: StTensorToWrite[], opts: ShardedWriteOptions): void {
  const totalSize = checkAll(tensors, opts);
  const groups = planShards(tensors, opts.maxShardBytes);
  const layout: StWriteOptions = { order: opts.order, pad: opts.pad };
  const plans = groups.map((g) => planSafetensors(g, opts.metadata, layout));
  mkdirSync(folder, { recursive: true });
  const old = currentState(folder);
  if (plans.length === 1) {
    const p = plans[0]!;
    writeFileAtomic(join(folder, SINGLE_FILE), [p.header, ...p.tensors.map((t) => t.data)]);
    if (old.index) removeQuietly(join(folder, INDEX_FILE));
    for (const s of old.shards) if (s !== SINGLE_FILE) removeQuietly(join(folder, s));
    syncDir(folder);
    return;
  }
  const live = old.single ? new Set([SINGLE_FILE]) : old.shards;
  const names = freshNames(plans.length, live);
  plans.forEach((p, i) => {
    const path = join(folder, names[i]!);
    commitTemp(writeTempSynced(path, [p.header, ...p.tensors.map((t) => t.data)]), path);
  });
  syncDir(folder);
  const weightMap = new Map<string, string>();
  groups.forEach((g, i) => g.forEach((t) => weightMap.set(t.name, names[i]!)));
  writeFileAtomic(join(folder, INDEX_FILE), [Buffer.from(serializeCheckpointIndex({ total_size: totalSize }, weightMap), "utf8")]);
  // model.safetensors shadows the index; removing it is the switch when the old checkpoint was a single file.
  if (old.single) unlinkSync(join(folder, SINGLE_FILE));
  const keep = new Set(names);
  for (const s of old.shards) if (!keep.has(s)) removeQuietly(join(folder, s));
  syncDir(folder);
}
