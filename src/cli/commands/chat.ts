// weft chat: a conversation with a model through its chat template; interactive on a terminal, one reply per input
// line when stdin is piped (--json: one JSON object per reply).
import { readFileSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { closeRenderSandbox, chatTemplateFromGgufMetadata, chatTemplateFromHfFolder, encodeChat, type ChatMessage } from "../../chat/index.js";
import { fitHistory } from "../../chat/history.js";
import { generateStream, type GenerateOptions, type GenerateResult } from "../../generate/generate.js";
import { setThreads } from "../../backend/registry.js";
import { load, type Loaded } from "../../load/index.js";
import { resolveModelPath } from "../../load/hf-cache.js";
import type { Tokenizer } from "../../tokenizers/index.js";
import { ArgumentError, UnsupportedError } from "../../util/errors.js";
import { numberFlag, parseFlags, requireString, stringFlag, type Flags } from "../args.js";

const FLAGS: Flags = {
  model: { type: "string", short: "m", help: "GGUF file, Hugging Face folder or hf:ORG/REPO[:FILE]" },
  system: { type: "string", short: "s", help: "system message (kept when the history is trimmed)" },
  template: { type: "string", help: "Jinja chat template file (default: the model's own)" },
  "max-tokens": { type: "string", short: "n", help: "most tokens per reply (default 512)" },
  temperature: { type: "string", help: "0 = greedy (default: generation_config.json, else 0.8)" },
  "top-k": { type: "string", help: "keep the k most likely tokens (default: generation_config.json, else 40; 0 = off)" },
  "top-p": { type: "string", help: "nucleus sampling mass (default: generation_config.json, else 0.95)" },
  "min-p": { type: "string", help: "drop tokens below min-p x the top probability (default 0.05)" },
  seed: { type: "string", help: "sampling seed" },
  ctx: { type: "string", short: "c", help: "context size (default: the model's, capped at 4096)" },
  threads: { type: "string", short: "t", help: "native threads (default: all cores)" },
  json: { type: "boolean", help: "one JSON object per reply on stdout" },
};

const OP = "chat";
const MAX_TEMPLATE_BYTES = 4 << 20;

interface Turn {
  ids: number[];
  dropped: number;
}

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags(OP, argv, FLAGS, "--model MODEL [--system TEXT] [--template FILE] [flags]   (/reset clears the history, /exit quits)");
  if (!p) return 0;
  const spec = requireString(OP, p, "model");
  const threads = numberFlag(OP, p, "threads", { min: 1, max: 1024, integer: true });
  if (threads) setThreads(threads);
  const loaded = load(spec);
  const tokenizer = loaded.tokenizer;
  if (!tokenizer) throw new UnsupportedError(OP, `${spec} has no tokenizer, so it cannot chat (use weft generate --prompt-tokens)`);
  const template = chatTemplate(spec, loaded, stringFlag(p, "template"));
  const ctx = numberFlag(OP, p, "ctx", { min: 8, integer: true }) ?? Math.min(loaded.config.contextLength, 4096);
  const maxTokens = numberFlag(OP, p, "max-tokens", { min: 1, integer: true }) ?? 512;
  const gen: GenerateOptions = {
    ctx, temperature: numberFlag(OP, p, "temperature", { min: 0 }) ?? loaded.generation?.temperature,
    topK: numberFlag(OP, p, "top-k", { min: 0, integer: true }) ?? loaded.generation?.topK,
    topP: numberFlag(OP, p, "top-p", { min: 0, max: 1 }) ?? loaded.generation?.topP,
    minP: numberFlag(OP, p, "min-p", { min: 0, max: 1 }), seed: numberFlag(OP, p, "seed", { integer: true }),
  };
  const system = stringFlag(p, "system");
  const chat = new Chat(loaded, tokenizer, template, system, { ...gen, ctx, maxTokens }, p.values.json === true);
  try {
    await chat.loop();
  } finally {
    closeRenderSandbox();
  }
  return 0;
}

/** --template FILE, else the folder's or GGUF's own template; a clear error when there is none. */
function chatTemplate(spec: string, loaded: Loaded, file: string | undefined): string {
  if (file !== undefined) {
    const st = statSync(file);
    if (st.size > MAX_TEMPLATE_BYTES) throw new ArgumentError(OP, `--template ${file} has ${st.size} bytes, more than ${MAX_TEMPLATE_BYTES}`);
    return readFileSync(file, "utf8");
  }
  const t = loaded.gguf ? chatTemplateFromGgufMetadata(loaded.gguf.metadata as Map<string, unknown>) : chatTemplateFromHfFolder(resolveModelPath(spec));
  if (t === null) {
    const where = loaded.gguf ? "tokenizer.chat_template in its GGUF metadata" : "chat_template.jinja or chat_template in tokenizer_config.json";
    throw new UnsupportedError(OP, `${spec} has no chat template (${where}); give one with --template FILE`);
  }
  return t;
}

class Chat {
  private history: ChatMessage[] = [];
  private readonly interactive = process.stdin.isTTY === true;
  private abort: AbortController | null = null;

  constructor(private readonly loaded: Loaded, private readonly tok: Tokenizer, private readonly template: string,
    private readonly system: string | undefined, private readonly opts: GenerateOptions & { maxTokens: number; ctx: number },
    private readonly json: boolean) {
    this.reset();
  }

  private reset(): void {
    this.history = this.system !== undefined && this.system !== "" ? [{ role: "system", content: this.system }] : [];
  }

  async loop(): Promise<void> {
    const rl = createInterface({ input: process.stdin, terminal: this.interactive, output: this.interactive ? process.stdout : undefined });
    rl.on("SIGINT", () => (this.abort ? this.abort.abort() : rl.close()));
    if (this.interactive) {
      process.stderr.write(`weft chat (context ${this.opts.ctx} tokens). /reset clears the history, /exit quits, Ctrl+C stops a reply.\n`);
      rl.setPrompt(">>> ");
      rl.prompt();
    }
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === "/exit" || line === "/quit") break;
      if (line === "/reset") {
        this.reset();
        process.stderr.write("weft: history cleared\n");
      } else if (line !== "") await this.reply(line);
      if (this.interactive) rl.prompt();
    }
    rl.close();
  }

  /** The prompt for the history plus `user`, oldest turns dropped so that a reply has room; null if it cannot fit. */
  private prepare(user: string): Turn | null {
    const ctx = this.opts.ctx;
    const reserve = Math.min(this.opts.maxTokens, Math.floor(ctx / 2));
    const encode = (m: ChatMessage[]) => encodeChat(this.tok, this.template, m, { addGenerationPrompt: true });
    const fit = fitHistory([...this.history, { role: "user", content: user }], encode, ctx - reserve);
    if (fit.ids.length >= ctx) {
      process.stderr.write(`weft: this message needs ${fit.ids.length} prompt tokens but the context holds ${ctx}; not sent\n`);
      return null;
    }
    if (fit.dropped > 0) process.stderr.write(`weft: context full; dropped the ${fit.dropped} oldest message(s)\n`);
    this.history = fit.messages;
    return { ids: fit.ids, dropped: fit.dropped };
  }

  private async reply(user: string): Promise<void> {
    const turn = this.prepare(user);
    if (!turn) return;
    this.abort = new AbortController();
    const it = generateStream(this.loaded.model, this.tok, turn.ids, { ...this.opts, signal: this.abort.signal });
    let r: IteratorResult<{ text: string }, GenerateResult>;
    while (!(r = await it.next()).done) if (!this.json) process.stdout.write(this.interactive ? r.value.text : oneLine(r.value.text));
    this.abort = null;
    const res = r.value;
    this.history.push({ role: "assistant", content: res.text.trim() });
    if (this.json) {
      process.stdout.write(JSON.stringify({ content: res.text, finish_reason: res.finishReason, prompt_tokens: res.promptTokens.length,
        completion_tokens: res.tokens.length, dropped: turn.dropped, messages: this.history.length }) + "\n");
    } else process.stdout.write("\n");
  }
}

/** Piped output keeps one reply per line: line breaks inside a reply become spaces (--json keeps them). */
function oneLine(s: string): string {
  return s.replace(/\r\n|\r|\n/g, " ");
}

