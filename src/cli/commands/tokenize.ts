// weft tokenize: the token ids of a text under a GGUF vocabulary (vocabulary-only files work too).
import { readGgufFile } from "../../formats/gguf/index.js";
import { tokenizerFromGguf } from "../../tokenizers/index.js";
import { parseFlags, requireString, type Flags } from "../args.js";

const FLAGS: Flags = {
  model: { type: "string", short: "m", help: "GGUF file with a tokenizer.ggml vocabulary" },
  text: { type: "string", help: "text to tokenise" },
  "no-bos": { type: "boolean", help: "do not add BOS even when the vocabulary asks for it" },
  special: { type: "boolean", help: "parse special-token text (e.g. <s>) as control tokens" },
  json: { type: "boolean", help: "print {\"tokens\": [...]} on stdout" },
};

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("tokenize", argv, FLAGS, "--model FILE --text TEXT [--no-bos] [--json]");
  if (!p) return 0;
  const tok = tokenizerFromGguf(readGgufFile(requireString("tokenize", p, "model")).metadata);
  const ids = tok.encode(requireString("tokenize", p, "text"), { addBos: tok.addBos && p.values["no-bos"] !== true, parseSpecial: p.values.special === true });
  if (p.values.json === true) process.stdout.write(JSON.stringify({ tokens: ids }) + "\n");
  else process.stdout.write(ids.map((id) => `${id}\t${JSON.stringify(tok.tokenToPiece(id))}`).join("\n") + "\n");
  return 0;
}
