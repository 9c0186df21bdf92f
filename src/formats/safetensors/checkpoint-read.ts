// Reads Hugging Face checkpoint folders (model.safetensors, or index + shards), keeping every shard path inside the folder.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ArgumentError, FormatError } from "../../util/errors.js";
import { parseCheckpointIndex } from "./index-json.js";
import { readSafetensorsFile } from "./reader.js";
import { q, SafetensorsFile, StTensorInfo } from "./types.js";

const OP = "safetensors.checkpoint";
export const SINGLE_FILE = "model.safetensors";
export const INDEX_FILE = "model.safetensors.index.json";

export interface ShardedCheckpoint {
  folder: string;
  /** Shard file name (as the index gives it, or the single file's name) -> parsed file. */
  files: Map<string, SafetensorsFile>;
  /** Tensor name -> key of `files`. */
  tensorFile: Map<string, string>;
  /** Tensor names: the index's order, or file order for a single file. */
  names: string[];
  /** The index's "metadata" (e.g. {total_size}); {} for a single file. */
  indexMetadata: Record<string, unknown>;
  tensorData(name: string): Uint8Array;
  info(name: string): StTensorInfo;
}

function fail(detail: string): never {
  throw new FormatError(OP, detail);
}

function isInside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r !== "" && !r.startsWith(`..${sep}`) && r !== ".." && !isAbsolute(r);
}

/**
 * Where a file may really live: inside the folder, or, for a Hugging Face cache snapshot
 * (<repo>/snapshots/<revision>/), in the repo's blobs/ folder its symlinks point to.
 */
function allowedRoots(realFolder: string): string[] {
  const roots = [realFolder];
  if (basename(dirname(realFolder)) === "snapshots") roots.push(join(dirname(dirname(realFolder)), "blobs"));
  return roots;
}

/** Resolves a file name from the folder or its index, refusing absolute paths, '..', missing files and symlinks out. */
function resolveShard(folder: string, realFolder: string, name: string, what: string): string {
  if (name === "" || name.includes("\0")) fail(`${what} is ${JSON.stringify(name)}, not a file name`);
  if (isAbsolute(name) || /^[a-zA-Z]:|^[\\/]/.test(name)) fail(`${what} ${q(name)} is an absolute path; shards must be inside the folder`);
  if (name.split(/[\\/]/).includes("..")) fail(`${what} ${q(name)} leaves the folder ('..')`);
  const path = resolve(folder, name);
  if (!isInside(resolve(folder), path)) fail(`${what} ${q(name)} resolves outside the folder`);
  if (!existsSync(path)) fail(`${what} ${q(name)} is missing (${path})`);
  const real = realpathSync(path);
  if (!allowedRoots(realFolder).some((root) => isInside(root, real))) {
    fail(`${what} ${q(name)} is a link to ${real}, outside the folder ${realFolder}`);
  }
  if (!statSync(real).isFile()) fail(`${what} ${q(name)} is not a regular file`);
  return path;
}

function makeCheckpoint(
  folder: string, files: Map<string, SafetensorsFile>, tensorFile: Map<string, string>, indexMetadata: Record<string, unknown>,
): ShardedCheckpoint {
  const info = (name: string): StTensorInfo => {
    const f = tensorFile.get(name);
    if (f === undefined) fail(`${folder}: no tensor named ${q(name)} (the checkpoint has ${tensorFile.size})`);
    return files.get(f)!.tensorsByName.get(name)!;
  };
  return {
    folder, files, tensorFile, names: [...tensorFile.keys()], indexMetadata, info,
    tensorData(name: string): Uint8Array {
      const t = info(name);
      return files.get(tensorFile.get(name)!)!.bytes.subarray(t.start, t.end);
    },
  };
}

function readSingle(folder: string, realFolder: string, name: string): ShardedCheckpoint {
  const file = readSafetensorsFile(resolveShard(folder, realFolder, name, "checkpoint file"));
  const tensorFile = new Map(file.tensors.map((t) => [t.name, name]));
  return makeCheckpoint(folder, new Map([[name, file]]), tensorFile, {});
}

function readIndexed(folder: string, realFolder: string, indexName: string): ShardedCheckpoint {
  const indexPath = resolveShard(folder, realFolder, indexName, "index file");
  const { metadata, weightMap } = parseCheckpointIndex(new Uint8Array(readFileSync(indexPath)), indexPath);
  const files = new Map<string, SafetensorsFile>();
  for (const [tensor, shard] of weightMap) {
    if (files.has(shard)) continue;
    const path = resolveShard(folder, realFolder, shard, `${indexName}: shard for tensor ${q(tensor)}`);
    files.set(shard, readSafetensorsFile(path));
  }
  for (const [tensor, shard] of weightMap) {
    if (!files.get(shard)!.tensorsByName.has(tensor)) fail(`${indexName}: tensor ${q(tensor)} is not in its shard ${q(shard)}`);
  }
  for (const [shard, file] of files) {
    for (const t of file.tensors) {
      const listed = weightMap.get(t.name);
      if (listed === undefined) fail(`${indexName}: shard ${q(shard)} holds tensor ${q(t.name)}, which the index does not list`);
      if (listed !== shard) fail(`${indexName}: shard ${q(shard)} holds tensor ${q(t.name)}, which the index puts in ${q(listed)}`);
    }
  }
  return makeCheckpoint(folder, files, new Map(weightMap), metadata);
}

/**
 * Reads a checkpoint folder: model.safetensors when present (as transformers prefers it), else
 * model.safetensors.index.json and its shards; failing both, the folder's only *.safetensors.index.json or only
 * *.safetensors file (e.g. adapter_model.safetensors).
 */
export function readCheckpointFolder(folder: string): ShardedCheckpoint {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new ArgumentError(OP, `${folder} is not a folder`);
  const realFolder = realpathSync(folder);
  if (existsSync(join(folder, SINGLE_FILE))) return readSingle(folder, realFolder, SINGLE_FILE);
  if (existsSync(join(folder, INDEX_FILE))) return readIndexed(folder, realFolder, INDEX_FILE);
  const names = readdirSync(folder);
  const indexes = names.filter((n) => n.endsWith(".safetensors.index.json"));
  if (indexes.length === 1) return readIndexed(folder, realFolder, indexes[0]!);
  const singles = names.filter((n) => n.endsWith(".safetensors"));
  if (indexes.length === 0 && singles.length === 1) return readSingle(folder, realFolder, singles[0]!);
  const found = [...indexes, ...singles].slice(0, 8).join(", ") || "none";
  fail(`${folder} has no ${SINGLE_FILE} or ${INDEX_FILE}, and no single other safetensors file or index (found: ${found})`);
}
