// Chat templates: where they come from (HF folder, GGUF metadata) and renderChat, which renders one in the sandbox.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ArgumentError, FormatError } from "../util/errors.js";
import { renderInSandbox } from "./sandbox.js";
import type { ChatMessage, RenderOptions } from "./types.js";

const OP = "chat-template";
const DEFAULT_TIME_MS = 1000;
const BASE_OUTPUT_CHARS = 1 << 20;
/** Template files larger than this are refused (real ones are a few KB). */
const MAX_TEMPLATE_BYTES = 4 << 20;
/** JSON files holding a template (tokenizer_config.json can carry a large added_tokens_decoder). */
const MAX_JSON_BYTES = 64 << 20;

/**
 * Render a Jinja chat template for `messages`, as transformers' apply_chat_template(tokenize=False) does. Runs in a
 * worker with a time limit and an output size limit (TemplateLimitError); template errors and raise_exception give
 * TemplateError. Message text is data: "{{ 7*7 }}" inside a message stays as it is.
 */
export function renderChat(template: string, messages: ChatMessage[], opts: RenderOptions = {}): string {
  if (typeof template !== "string") throw new ArgumentError(OP, `template must be a string but is ${typeof template}`);
  checkMessages(messages);
  const timeLimitMs = opts.timeLimitMs ?? DEFAULT_TIME_MS;
  if (!(timeLimitMs > 0) || !Number.isFinite(timeLimitMs)) throw new ArgumentError(OP, `timeLimitMs must be a positive number but is ${timeLimitMs}`);
  const maxChars = opts.maxOutputChars ?? BASE_OUTPUT_CHARS + 2 * (textSize(messages) + textSize(opts.tools ?? []));
  if (!(maxChars >= 0)) throw new ArgumentError(OP, `maxOutputChars must be >= 0 but is ${maxChars}`);
  const context: Record<string, unknown> = {
    ...(opts.extra ?? {}),
    messages,
    add_generation_prompt: opts.addGenerationPrompt ?? false,
    bos_token: opts.bosToken ?? "",
    eos_token: opts.eosToken ?? "",
    tools: opts.tools ?? null,
  };
  return renderInSandbox(template, context, timeLimitMs, maxChars);
}

function checkMessages(messages: unknown): asserts messages is ChatMessage[] {
  if (!Array.isArray(messages)) throw new ArgumentError(OP, `messages must be an array but is ${typeof messages}`);
  for (const [i, m] of messages.entries()) {
    if (typeof m !== "object" || m === null || typeof (m as ChatMessage).role !== "string") {
      throw new ArgumentError(OP, `messages[${i}] must be an object with a string role`);
    }
  }
}

/** Total length of the strings inside a JSON-like value. */
export function textSize(v: unknown): number {
  if (typeof v === "string") return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + textSize(x), 0);
  if (typeof v === "object" && v !== null) return Object.values(v).reduce((n: number, x) => n + textSize(x), 0);
  return 0;
}

/**
 * The chat template of a Hugging Face model folder: chat_template.jinja, else chat_template.json, else
 * tokenizer_config.json "chat_template" (a string, or a list of {name, template} from which `name` is taken).
 * Named templates other than "default" are also looked up in additional_chat_templates/<name>.jinja.
 * Returns null when the folder has none.
 */
export function chatTemplateFromHfFolder(folder: string, name = "default"): string | null {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new ArgumentError(OP, `${folder} is not a folder`);
  if (name !== "default") {
    const extra = join(folder, "additional_chat_templates", `${name}.jinja`);
    if (existsSync(extra)) return readText(extra);
  }
  const jinja = join(folder, "chat_template.jinja");
  if (name === "default" && existsSync(jinja)) return readText(jinja);
  for (const file of ["chat_template.json", "tokenizer_config.json"]) {
    const p = join(folder, file);
    if (!existsSync(p)) continue;
    let cfg: unknown;
    try {
      cfg = JSON.parse(readText(p, MAX_JSON_BYTES));
    } catch (e) {
      throw new FormatError(OP, `${p} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof cfg !== "object" || cfg === null) throw new FormatError(OP, `${p} must hold a JSON object`);
    const t = selectTemplate((cfg as Record<string, unknown>).chat_template, name, `${file} chat_template`);
    if (t !== null) return t;
  }
  return null;
}

/** The chat template in GGUF metadata: tokenizer.chat_template, or tokenizer.chat_template.<name>. Null when absent. */
export function chatTemplateFromGgufMetadata(md: Map<string, unknown>, name = "default"): string | null {
  const key = name === "default" ? "tokenizer.chat_template" : `tokenizer.chat_template.${name}`;
  const v = md.get(key);
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new FormatError(OP, `GGUF metadata ${key} must be a string but is ${typeof v}`);
  return v;
}

/** A chat_template value: a string, or a list of {name, template}; null when absent. */
export function selectTemplate(v: unknown, name: string, what: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return name === "default" ? v : null;
  if (!Array.isArray(v)) throw new FormatError(OP, `${what} must be a string or a list of {name, template}`);
  const names: string[] = [];
  for (const [i, e] of v.entries()) {
    const o = e as Record<string, unknown>;
    if (typeof o !== "object" || o === null || typeof o.name !== "string" || typeof o.template !== "string") {
      throw new FormatError(OP, `${what}[${i}] must be {name: string, template: string}`);
    }
    if (o.name === name) return o.template;
    names.push(o.name);
  }
  if (name === "default") throw new ArgumentError(OP, `${what} has no "default" template; pick one of ${names.join(", ")}`);
  return null;
}

function readText(path: string, max = MAX_TEMPLATE_BYTES): string {
  const st = statSync(path);
  if (st.size > max) throw new FormatError(OP, `${path} has ${st.size} bytes, more than ${max}`);
  return readFileSync(path, "utf8");
}
