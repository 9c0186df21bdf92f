// weft pull hf:ORG/REPO[:FILE]: download into the Hugging Face cache (the only command that uses the network).
import { parseHfSpec, hfCacheDir } from "../../load/hf-cache.js";
import { parseFlags, type Flags } from "../args.js";
import { ArgumentError } from "../../util/errors.js";

const FLAGS: Flags = { json: { type: "boolean", help: "print {\"path\": ...} on stdout" } };

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("pull", argv, FLAGS, "hf:ORG/REPO[:FILE][@REVISION]");
  if (!p) return 0;
  const spec = parseHfSpec(p.positionals[0] ?? "");
  if (!spec) throw new ArgumentError("pull", "give a model as hf:ORG/REPO[:FILE][@REVISION]");
  const hub = await import("@huggingface/hub");
  const accessToken = process.env.HF_TOKEN;
  const opts = { repo: spec.repo, revision: spec.revision, cacheDir: hfCacheDir(), ...(accessToken ? { accessToken } : {}) };
  process.stderr.write(`weft: downloading hf:${spec.repo}${spec.file ? `:${spec.file}` : ""} into ${hfCacheDir()} ...\n`);
  const path = spec.file ? await hub.downloadFileToCacheDir({ ...opts, path: spec.file }) : await hub.snapshotDownload(opts);
  if (p.values.json === true) process.stdout.write(JSON.stringify({ path }) + "\n");
  else process.stderr.write(`weft: ${path}\n`);
  return 0;
}
