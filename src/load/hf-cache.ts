// Hugging Face cache layout (hub/models--ORG--REPO/{refs,snapshots,blobs}) and "hf:ORG/REPO[:FILE]" model specs,
// resolved offline from the cache; `weft pull` fills it.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ArgumentError, ValueError } from "../util/errors.js";

export interface HfSpec {
  repo: string;
  file?: string;
  revision: string;
}

/** HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub (huggingface_hub's rule). */
export function hfCacheDir(): string {
  if (process.env.HF_HUB_CACHE) return process.env.HF_HUB_CACHE;
  return join(process.env.HF_HOME ?? join(homedir(), ".cache", "huggingface"), "hub");
}

/** Parse "hf:ORG/REPO[:FILE][@REVISION]"; null for anything that is not an hf: spec. */
export function parseHfSpec(spec: string): HfSpec | null {
  if (!spec.startsWith("hf:")) return null;
  const m = /^hf:([\w.-]+\/[\w.-]+)(?::([^@]+))?(?:@([\w.-]+))?$/.exec(spec);
  if (!m) throw new ArgumentError("hf", `'${spec}' must look like hf:ORG/REPO[:FILE][@REVISION]`);
  return { repo: m[1]!, file: m[2], revision: m[3] ?? "main" };
}

export function repoFolder(repo: string, cache = hfCacheDir()): string {
  return join(cache, `models--${repo.replace("/", "--")}`);
}

/** The snapshot folder of a cached revision (a ref name or a commit hash). */
export function snapshotFolder(spec: HfSpec, cache = hfCacheDir()): string {
  const root = repoFolder(spec.repo, cache);
  const ref = join(root, "refs", spec.revision);
  const commit = existsSync(ref) ? readFileSync(ref, "utf8").trim() : spec.revision;
  const snap = join(root, "snapshots", commit);
  if (!existsSync(snap)) {
    throw new ValueError("hf", `hf:${spec.repo}@${spec.revision} is not in the cache (${root}); run: weft pull hf:${spec.repo}${spec.file ? `:${spec.file}` : ""}`);
  }
  return snap;
}

/** A local path for a model spec: hf: specs resolve in the cache (a file, the one .gguf, or the folder). */
export function resolveModelPath(spec: string, cache = hfCacheDir()): string {
  const s = parseHfSpec(spec);
  if (!s) return spec;
  const snap = snapshotFolder(s, cache);
  if (s.file) {
    const p = join(snap, s.file);
    if (!existsSync(p)) throw new ValueError("hf", `${s.file} is not in the cached snapshot of ${s.repo} (${snap})`);
    return p;
  }
  if (existsSync(join(snap, "config.json"))) return snap;
  const ggufs = readdirSync(snap).filter((f) => f.endsWith(".gguf"));
  if (ggufs.length === 1) return join(snap, ggufs[0]!);
  throw new ValueError("hf", `hf:${s.repo} has ${ggufs.length} GGUF files and no config.json; name one: hf:${s.repo}:FILE`);
}
