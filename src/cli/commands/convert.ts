// weft convert: a Hugging Face folder to GGUF (--type f32|f16|bf16|q8_0|q4_0|q4_k|...), or a GGUF to a folder.
import { statSync } from "node:fs";
import { ggufToHf, hfToGguf } from "../../compress/convert.js";
import { ggmlType, type GgmlTypeName } from "../../dtype/ggml.js";
import { parseFlags, stringFlag, type Flags } from "../args.js";
import { ArgumentError } from "../../util/errors.js";

const FLAGS: Flags = {
  type: { type: "string", help: "GGUF type for matrices when writing GGUF: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k..q6_k (default f16)" },
  json: { type: "boolean", help: "print a JSON report on stdout" },
};

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("convert", argv, FLAGS, "HF_FOLDER OUT.gguf [--type T] | FILE.gguf OUT_FOLDER");
  if (!p) return 0;
  const [input, output] = p.positionals;
  if (!input || !output) throw new ArgumentError("convert", "give an input and an output path");
  if (statSync(input).isDirectory()) {
    const type = ggmlType(stringFlag(p, "type") ?? "f16").name as GgmlTypeName;
    const r = hfToGguf(input, output, type);
    for (const [name, t] of r.fallbacks) process.stderr.write(`weft: ${name} rows do not fit ${type} blocks; wrote ${t}\n`);
    if (p.values.json === true) process.stdout.write(JSON.stringify({ output, tensors: r.tensors, fallbacks: Object.fromEntries(r.fallbacks), vocab: r.vocab }) + "\n");
    else process.stderr.write(`weft: wrote ${output} (${r.tensors} tensors; vocabulary: ${r.vocab})\n`);
    return 0;
  }
  if (stringFlag(p, "type")) throw new ArgumentError("convert", "--type applies when writing GGUF (folder -> GGUF)");
  const r = ggufToHf(input, output);
  if (p.values.json === true) process.stdout.write(JSON.stringify({ output, tensors: r.tensors, arch: r.config.arch, vocab: r.vocab }) + "\n");
  else process.stderr.write(`weft: wrote ${output} (${r.tensors} tensors, ${r.config.arch}; vocabulary: ${r.vocab ?? "none"})\n`);
  return 0;
}
