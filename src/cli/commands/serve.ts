// weft serve: the OpenAI-compatible HTTP server with continuous batching and the web playground at /.
import { numberFlag, parseFlags, stringFlag, type Flags } from "../args.js";
import { ArgumentError } from "../../util/errors.js";
import { startServer } from "../../serve/server.js";
import { DEFAULT_MODEL_NAME, ensureDefaultModel } from "../../serve/default-model.js";

const FLAGS: Flags = {
  model: { type: "string", short: "m", help: "GGUF file, HF folder or hf:ORG/REPO (default: the built-in model, trained on first use)" },
  name: { type: "string", help: "model id clients use (default: the file name)" },
  host: { type: "string", help: "address to listen on (default 127.0.0.1)" },
  port: { type: "string", short: "p", help: "port (default 8080; 0 = any free port)" },
  "api-key": { type: "string", help: "require 'Authorization: Bearer KEY' (also WEFT_API_KEY)" },
  parallel: { type: "string", help: "sequences decoded together (default 4)" },
  ctx: { type: "string", short: "c", help: "context per sequence (default: the model's, capped at 4096)" },
  adapter: { type: "string", multiple: true, help: "NAME=PATH: a LoRA (PEFT folder or GGUF) or soft prompt, used as model NAME:ADAPTER" },
  threads: { type: "string", short: "t", help: "native threads for the engine" },
  "batch-tokens": { type: "string", help: "tokens per engine step, decode + prompt chunks (default 256)" },
  "max-queue": { type: "string", help: "requests waiting beyond --parallel before 429 (default 64)" },
  "max-body": { type: "string", help: "largest request body in bytes (default 1048576)" },
  "cors-origin": { type: "string", multiple: true, help: "allowed browser origin (repeatable; '*' = any, without credentials)" },
  timeout: { type: "string", help: "idle connection timeout in seconds (default 300)" },
  drain: { type: "string", help: "seconds SIGTERM waits for requests before cancelling them (default 10)" },
};

function adapters(raw: string[] | undefined): { name: string; path: string }[] {
  return (raw ?? []).map((s) => {
    const i = s.indexOf("=");
    const name = s.slice(0, i), path = s.slice(i + 1);
    if (i <= 0 || path === "" || !/^[\w.-]{1,64}$/.test(name)) throw new ArgumentError("serve", `--adapter must be NAME=PATH (NAME of letters, digits, _ . -), got '${s}'`);
    return { name, path };
  });
}

export async function run(argv: string[]): Promise<number> {
  const p = parseFlags("serve", argv, FLAGS, "[--model M] [--host H] [--port P] [--api-key KEY] [--parallel N] [--ctx N] [--adapter NAME=PATH ...]");
  if (!p) return 0;
  const n = (name: string, min: number, max: number) => numberFlag("serve", p, name, { min, max, integer: true });
  let model = stringFlag(p, "model");
  let name = stringFlag(p, "name");
  if (!model) {
    model = ensureDefaultModel();
    name ??= DEFAULT_MODEL_NAME;
  }
  const timeout = n("timeout", 1, 86400), drain = n("drain", 0, 3600);
  const server = await startServer({
    model, name, host: stringFlag(p, "host") ?? "127.0.0.1", port: n("port", 0, 65535) ?? 8080,
    apiKey: stringFlag(p, "api-key") ?? (process.env.WEFT_API_KEY || null), parallel: n("parallel", 1, 256) ?? 4, ctx: n("ctx", 16, 1 << 20) ?? null,
    threads: n("threads", 1, 1024) ?? null, adapters: adapters(p.values.adapter as string[] | undefined), batchTokens: n("batch-tokens", 1, 65536),
    maxQueue: n("max-queue", 0, 1e6), maxBodyBytes: n("max-body", 1024, 1 << 30), corsOrigins: (p.values["cors-origin"] as string[] | undefined) ?? [],
    idleTimeoutMs: timeout !== undefined ? timeout * 1000 : undefined, drainMs: drain !== undefined ? drain * 1000 : undefined,
  });
  const i = server.info;
  process.stderr.write(`weft: serving ${i.name} (${i.arch}, ctx ${i.ctx}, ${i.parallel} slots${i.adapters.length ? `, adapters ${i.adapters.map((a) => a.name).join(", ")}` : ""})\n`);
  process.stderr.write(`weft: listening on ${server.url} (playground at ${server.url}/)\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) {
        process.stderr.write(`weft: ${sig} again; exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`weft: ${sig}: draining requests in flight\n`);
      server.close().then(resolve, resolve);
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
  process.stderr.write("weft: stopped\n");
  return 0;
}
