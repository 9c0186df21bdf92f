// weft eval perplexity --model M --data TEXT: perplexity as llama.cpp's perplexity tool computes it.
import { readFileSync } from "node:fs";
import { load } from "../../load/index.js";
import { perplexity } from "../../eval/perplexity.js";
import { setThreads } from "../../backend/registry.js";
import { numberFlag, parseFlags, requireString, type Flags } from "../args.js";
import { ArgumentError, ValueError } from "../../util/errors.js";

const FLAGS: Flags = {
  model: { type: "string", short: "m", help: "model: GGUF file or Hugging Face folder" },
  data: { type: "string", short: "f", help: "text file to score" },
  ctx: { type: "string", short: "c", help: "tokens per chunk (default 512, capped at the model's context)" },
  stride: { type: "string", help: "score the last S tokens of windows every S tokens (llama.cpp --ppl-stride)" },
  chunks: { type: "string", help: "evaluate at most N chunks (llama.cpp --chunks)" },
  batch: { type: "string", help: "chunks per forward pass" },
  threads: { type: "string", short: "t", help: "native threads" },
  json: { type: "boolean", help: "print one JSON object on stdout" },
};

const SUBCOMMANDS = ["perplexity"];

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    process.stdout.write(`usage: weft eval <${SUBCOMMANDS.join("|")}> [flags]\n\n  perplexity  --model M --data TEXT [--ctx N] [--stride S] [--json]\n`);
    return sub === undefined ? 1 : 0;
  }
  if (sub !== "perplexity") throw new ArgumentError("eval", `unknown evaluation '${sub}' (known: ${SUBCOMMANDS.join(", ")})`);
  const p = parseFlags("eval perplexity", rest, FLAGS, "--model M --data TEXT [--ctx N] [--stride S] [--chunks N] [--json]");
  if (!p) return 0;
  const threads = numberFlag("eval", p, "threads", { min: 1, max: 1024, integer: true });
  if (threads) setThreads(threads);
  const { model, tokenizer, config } = load(requireString("eval", p, "model"));
  if (!tokenizer) throw new ValueError("eval", "the model has no tokenizer, so the text cannot be tokenised");
  const text = readFileSync(requireString("eval", p, "data"), "utf8");
  const ctx = numberFlag("eval", p, "ctx", { min: 4, integer: true }) ?? Math.min(512, config.contextLength);
  const tokens = tokenizer.encode(text, { addBos: tokenizer.addBos });
  const json = p.values.json === true;
  const r = perplexity(model, tokens, {
    ctx, stride: numberFlag("eval", p, "stride", { min: 0, integer: true }), maxChunks: numberFlag("eval", p, "chunks", { min: 1, integer: true }),
    batch: numberFlag("eval", p, "batch", { min: 1, integer: true }), bos: tokenizer.addBos ? tokenizer.bos : null,
    onChunk: (i, n, ppl) => { if (!json) process.stderr.write(`[${i}]${ppl.toFixed(4)},${i === n ? "\n" : ""}`); },
  });
  if (json) {
    process.stdout.write(JSON.stringify({
      perplexity: r.ppl, nll: r.nll, nll_stderr: r.nllStderr, scored_tokens: r.count, chunks: r.chunks, ctx: r.ctx, stride: r.stride,
      tokens: r.tokens, seconds: r.seconds, tokens_per_s: r.tokensPerS,
    }) + "\n");
  } else {
    const ci = r.ppl * r.nllStderr;
    process.stdout.write(`Final estimate: PPL = ${r.ppl.toFixed(4)} +/- ${ci.toFixed(5)}\n`);
    process.stderr.write(`weft: ${r.count} tokens scored in ${r.chunks} chunks of ${r.ctx}, ${r.tokensPerS.toFixed(0)} tok/s\n`);
  }
  return 0;
}
