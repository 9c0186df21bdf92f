// weft inspect: a GGUF file's metadata and tensor table (long arrays summarised).
import { readGgufFile } from "../../formats/gguf/index.js";
import { parseFlags, type Flags } from "../args.js";
import { ArgumentError } from "../../util/errors.js";

const FLAGS: Flags = { json: { type: "boolean", help: "print JSON on stdout" } };

function summarise(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "object" && v !== null && "length" in v) {
    const arr = Array.from(v as ArrayLike<unknown>);
    return arr.length > 8 ? { length: arr.length, head: arr.slice(0, 8).map(summarise) } : arr.map(summarise);
  }
  return v;
}

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("inspect", argv, FLAGS, "FILE [--json]");
  if (!p) return 0;
  const path = p.positionals[0];
  if (!path) throw new ArgumentError("inspect", "missing FILE");
  const g = readGgufFile(path);
  const metadata = Object.fromEntries([...g.metadata].map(([k, v]) => [k, summarise(v)]));
  const tensors = g.tensors.map((t) => ({ name: t.name, type: t.type.name, shape: t.shape, offset: t.offset, bytes: t.nbytes }));
  if (p.values.json === true) {
    process.stdout.write(JSON.stringify({ version: g.version, alignment: g.alignment, metadata, tensors }) + "\n");
    return 0;
  }
  process.stdout.write(`GGUF v${g.version}, ${g.metadata.size} metadata keys, ${g.tensors.length} tensors\n\n`);
  for (const [k, v] of Object.entries(metadata)) process.stdout.write(`${k.padEnd(44)} ${JSON.stringify(v)}\n`);
  process.stdout.write("\n");
  for (const t of tensors) process.stdout.write(`${t.name.padEnd(32)} ${t.type.padEnd(6)} [${t.shape.join(", ")}]\n`);
  return 0;
}
