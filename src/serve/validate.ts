// Request bodies -> engine requests: every field checked, unsupported ones refused with OpenAI-style 400 errors.
import type { ChatMessage } from "../chat/types.js";
import { compileSchema } from "./json-schema.js";
import { badRequest } from "./errors.js";
import type { GenParams, Prompt } from "./protocol.js";

type Body = Record<string, unknown>;

export interface GenRequest {
  model: string | null;
  prompt: Prompt;
  params: GenParams;
  stream: boolean;
  includeUsage: boolean;
}

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);
const MAX_STOPS = 16;

function num(b: Body, name: string, lo: number, hi: number, opts: { integer?: boolean } = {}): number | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi || (opts.integer && !Number.isInteger(v))) {
    throw badRequest(`'${name}' must be ${opts.integer ? "an integer" : "a number"} in [${lo}, ${hi}] but is ${JSON.stringify(v)}`, name);
  }
  return v;
}

function bool(b: Body, name: string): boolean | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw badRequest(`'${name}' must be a boolean`, name);
  return v;
}

export function requireObject(v: unknown): Body {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw badRequest("the request body must be a JSON object");
  return v as Body;
}

function modelName(b: Body): string | null {
  if (b.model === undefined || b.model === null) return null;
  if (typeof b.model !== "string" || b.model === "") throw badRequest("'model' must be a non-empty string", "model");
  return b.model;
}

function stops(b: Body): string[] {
  const v = b.stop;
  if (v === undefined || v === null) return [];
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length > MAX_STOPS || list.some((s) => typeof s !== "string" || s === "" || s.length > 256)) {
    throw badRequest(`'stop' must be a non-empty string or a list of at most ${MAX_STOPS} non-empty strings`, "stop");
  }
  return list as string[];
}

function logitBias(b: Body, vocab: number): [number, number][] {
  const v = b.logit_bias;
  if (v === undefined || v === null) return [];
  if (typeof v !== "object" || Array.isArray(v)) throw badRequest("'logit_bias' must map token ids to numbers", "logit_bias");
  return Object.entries(v as Record<string, unknown>).map(([k, x]) => {
    const id = Number(k);
    if (!/^\d+$/.test(k) || id >= vocab) throw badRequest(`logit_bias key '${k}' is not a token id in [0, ${vocab})`, "logit_bias");
    if (typeof x !== "number" || !(x >= -100 && x <= 100)) throw badRequest(`logit_bias for ${k} must be a number in [-100, 100]`, "logit_bias");
    return [id, x];
  });
}

function responseFormat(b: Body): GenParams["json"] {
  const v = b.response_format;
  if (v === undefined || v === null) return null;
  const f = requireObject(v);
  if (f.type === "text") return null;
  if (f.type === "json_object") return { schema: null };
  if (f.type !== "json_schema") throw badRequest("'response_format.type' must be text, json_object or json_schema", "response_format");
  const js = f.json_schema;
  if (typeof js !== "object" || js === null || typeof (js as Body).name !== "string") {
    throw badRequest("'response_format.json_schema' must be an object with a name and a schema", "response_format");
  }
  const schema = (js as Body).schema ?? {};
  try {
    compileSchema(schema);
  } catch (e) {
    throw badRequest(`unsupported response_format schema: ${(e as Error).message}`, "response_format");
  }
  return { schema };
}

function refuse(b: Body, name: string, ok: (v: unknown) => boolean, why: string): void {
  if (b[name] !== undefined && b[name] !== null && !ok(b[name])) throw badRequest(`'${name}' ${why}`, name);
}

function common(b: Body, vocab: number, maxTokensDefault: number | null): { params: GenParams; stream: boolean; includeUsage: boolean } {
  refuse(b, "n", (v) => v === 1, "must be 1: one choice per request is supported");
  const maxTokens = num(b, "max_completion_tokens", 1, 1e9, { integer: true }) ?? num(b, "max_tokens", 1, 1e9, { integer: true }) ?? maxTokensDefault;
  const stream = bool(b, "stream") ?? false;
  const so = b.stream_options;
  if (so !== undefined && so !== null && !stream) throw badRequest("'stream_options' is only allowed when 'stream' is true", "stream_options");
  const includeUsage = so ? bool(requireObject(so), "include_usage") ?? false : false;
  const params: GenParams = {
    maxTokens,
    temperature: num(b, "temperature", 0, 2),
    topP: num(b, "top_p", 1e-9, 1),
    topK: num(b, "top_k", 0, 1e6, { integer: true }),
    minP: num(b, "min_p", 0, 1),
    seed: num(b, "seed", -(2 ** 53), 2 ** 53, { integer: true }),
    stop: stops(b),
    frequencyPenalty: num(b, "frequency_penalty", -2, 2) ?? 0,
    presencePenalty: num(b, "presence_penalty", -2, 2) ?? 0,
    repetitionPenalty: num(b, "repetition_penalty", 1e-3, 100) ?? num(b, "repeat_penalty", 1e-3, 100) ?? 1,
    logitBias: logitBias(b, vocab),
    logprobs: false,
    topLogprobs: 0,
    json: responseFormat(b),
  };
  return { params, stream, includeUsage };
}

function content(m: Body, i: number): string {
  const c = m.content;
  if (c === undefined || c === null) return "";
  if (typeof c === "string") return c;
  if (!Array.isArray(c)) throw badRequest(`messages[${i}].content must be a string or a list of text parts`, "messages");
  return c.map((p, j) => {
    const part = p as Body;
    if (typeof p !== "object" || p === null || part.type !== "text" || typeof part.text !== "string") {
      throw badRequest(`messages[${i}].content[${j}] must be {type: "text", text: string} (only text is supported)`, "messages");
    }
    return part.text;
  }).join("\n");
}

function messages(b: Body): ChatMessage[] {
  const ms = b.messages;
  if (!Array.isArray(ms) || ms.length === 0) throw badRequest("'messages' must be a non-empty list", "messages");
  return ms.map((raw, i) => {
    const m = raw as Body;
    if (typeof raw !== "object" || raw === null || typeof m.role !== "string" || !ROLES.has(m.role)) {
      throw badRequest(`messages[${i}].role must be one of ${[...ROLES].join(", ")}`, "messages");
    }
    return { role: m.role === "developer" ? "system" : m.role, content: content(m, i) };
  });
}

export function parseChat(raw: unknown, vocab: number): GenRequest {
  const b = requireObject(raw);
  refuse(b, "tools", (v) => Array.isArray(v) && v.length === 0, "is not supported (no tool calling)");
  refuse(b, "functions", (v) => Array.isArray(v) && v.length === 0, "is not supported (no function calling)");
  const msgs = messages(b);
  const c = common(b, vocab, null);
  c.params.logprobs = bool(b, "logprobs") ?? false;
  c.params.topLogprobs = num(b, "top_logprobs", 0, 20, { integer: true }) ?? 0;
  if (c.params.topLogprobs > 0 && !c.params.logprobs) throw badRequest("'top_logprobs' needs 'logprobs': true", "top_logprobs");
  return { model: modelName(b), prompt: { kind: "chat", messages: msgs }, ...c };
}

function textPrompt(b: Body, vocab: number): Prompt {
  let p = b.prompt;
  if (Array.isArray(p) && p.length === 1 && (typeof p[0] === "string" || Array.isArray(p[0]))) p = p[0];
  if (typeof p === "string") return { kind: "text", text: p };
  if (Array.isArray(p) && p.length > 0 && p.every((x) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < vocab)) return { kind: "ids", ids: p as number[] };
  throw badRequest("'prompt' must be a string or a list of token ids (one prompt per request)", "prompt");
}

export function parseCompletion(raw: unknown, vocab: number): GenRequest {
  const b = requireObject(raw);
  refuse(b, "echo", (v) => v === false, "is not supported");
  refuse(b, "suffix", (v) => v === "", "is not supported");
  refuse(b, "best_of", (v) => v === 1, "must be 1");
  const prompt = textPrompt(b, vocab);
  const c = common(b, vocab, 16);
  const lp = num(b, "logprobs", 0, 5, { integer: true });
  c.params.logprobs = lp !== undefined;
  c.params.topLogprobs = lp ?? 0;
  return { model: modelName(b), prompt, ...c };
}

export interface EmbedRequest {
  model: string | null;
  inputs: (string | number[])[];
  base64: boolean;
  dimensions: number | null;
}

export function parseEmbeddings(raw: unknown, dim: number, maxInputs = 256): EmbedRequest {
  const b = requireObject(raw);
  const x = b.input;
  const ids = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && (t as number) >= 0);
  let inputs: (string | number[])[];
  if (typeof x === "string") inputs = [x];
  else if (ids(x)) inputs = [x as number[]];
  else if (Array.isArray(x) && x.length > 0 && x.every((v) => typeof v === "string" || ids(v))) inputs = x as (string | number[])[];
  else throw badRequest("'input' must be a string, a list of strings, or token id lists", "input");
  if (inputs.length > maxInputs) throw badRequest(`'input' has ${inputs.length} items; at most ${maxInputs} per request`, "input");
  if (inputs.some((s) => s === "")) throw badRequest("'input' must not contain empty strings", "input");
  const fmt = b.encoding_format ?? "float";
  if (fmt !== "float" && fmt !== "base64") throw badRequest("'encoding_format' must be float or base64", "encoding_format");
  return { model: modelName(b), inputs, base64: fmt === "base64", dimensions: num(b, "dimensions", 1, dim, { integer: true }) ?? null };
}
