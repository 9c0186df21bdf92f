// Atomic file writes (checkpoints, converted models, adapters): temp file in the same folder, fsync, rename.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

function writeAll(fd: number, b: Uint8Array): void {
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, Math.min(b.length - done, 1 << 30));
}

/** A fresh temp path next to `path` (hidden, unique). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Writes `parts` to a temp file next to `path`, fsyncs it and returns the temp path (removed again on failure). */
export function writeTempSynced(path: string, parts: Iterable<Uint8Array>): string {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, "wx");
  let ok = false;
  try {
    for (const p of parts) writeAll(fd, p);
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) unlinkSync(tmp);
  }
  return tmp;
}

/** Renames a synced temp file over `path` (the temp file is removed if the rename fails). */
export function commitTemp(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

/** Writes `parts` to `path` atomically: a crash leaves either the old file or the new one, never a mix. */
export function writeFileAtomic(path: string, parts: Iterable<Uint8Array>): void {
  commitTemp(writeTempSynced(path, parts), path);
  syncDir(dirname(path));
}

/** fsyncs a folder so renames and unlinks in it are durable; best effort (not every platform allows it). */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // ignored: durability of directory entries is best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Unlinks a file, ignoring failures (used for clean-up after the new state is committed). */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // ignored: a stale file left behind does not change what the folder holds
  }
}

/** JSON with a trailing newline, written atomically (2-space indented unless `pretty` is false). */
export function writeJsonAtomic(path: string, value: unknown, pretty = true): void {
  writeFileAtomic(path, [new TextEncoder().encode(JSON.stringify(value, null, pretty ? 2 : undefined) + "\n")]);
}
