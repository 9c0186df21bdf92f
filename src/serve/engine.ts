// The continuous-batching engine: admits requests into KV-cache slots and runs one packed forwardMany per step over
// every active sequence (one decode token each, plus prompt chunks of new requests within a token budget).
import type { LanguageModel } from "../models/config.js";
import type { KVCache } from "../nn/kv-cache.js";
import type { Tensor } from "../core/tensor.js";
import type { Tokenizer } from "../tokenizers/types.js";
import { noGrad } from "../core/autograd.js";
import { encodeChat } from "../chat/encode.js";
import { ApiError, badRequest } from "./errors.js";
import { Sequence } from "./sequence.js";
import { TokenTexts } from "./sampling.js";
import { Router } from "./routed-lora.js";
import { pooledEmbedding } from "./embed.js";
import type { FinishReason, GenParams, Prompt, TokenEvent } from "./protocol.js";

export interface EngineOptions {
  /** Sequences decoded together (KV-cache slots). */
  parallel: number;
  /** Context per slot. */
  ctx: number;
  /** Tokens per step across decode tokens and prompt chunks. */
  batchTokens: number;
  /** Testing aid: a sequence fails after generating this many tokens (0 = never). */
  failAfterTokens?: number;
}

export interface Done {
  id: number;
  finish: FinishReason;
  promptTokens: number;
  completionTokens: number;
  error?: string;
}

export interface StepResult {
  events: TokenEvent[];
  done: Done[];
}

/** Used when the model has no chat template of its own. */
export const FALLBACK_TEMPLATE =
  "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

export class Engine {
  private readonly queue: Sequence[] = [];
  private readonly active: Sequence[] = [];
  private readonly free: KVCache[] = [];
  private made = 0;
  private texts: TokenTexts | null = null;
  readonly router = new Router();
  readonly prefixes = new Map<string, Tensor>();

  constructor(readonly model: LanguageModel, readonly tok: Tokenizer, readonly template: string | null, readonly opts: EngineOptions) {
    // every slot's KV cache up front (as llama.cpp does): memory is fixed from the start and never grows under load
    for (let i = 0; i < opts.parallel; i++) this.free.push(this.makeCache());
  }

  get busy(): boolean {
    return this.queue.length > 0 || this.active.length > 0;
  }

  get stats(): { active: number; queued: number; kvUsed: number } {
    return { active: this.active.length, queued: this.queue.length, kvUsed: this.active.reduce((n, s) => n + (s.cache?.length ?? 0), 0) };
  }

  /** Prompt token ids (chat template or plain text) without queueing anything. */
  promptIds(prompt: Prompt): number[] {
    if (prompt.kind === "ids") {
      for (const id of prompt.ids) if (id >= this.tok.vocabSize) throw badRequest(`token ${id} is outside the vocabulary [0, ${this.tok.vocabSize})`, "prompt");
      return prompt.ids;
    }
    if (prompt.kind === "text") return this.tok.encode(prompt.text, { addBos: this.tok.addBos });
    return encodeChat(this.tok, this.template ?? FALLBACK_TEMPLATE, prompt.messages, { addGenerationPrompt: true });
  }

  /** Validate and queue a request; returns its prompt length. */
  submit(id: number, adapter: string | null, prompt: Prompt, params: GenParams): number {
    const ids = this.promptIds(prompt);
    if (ids.length === 0) throw badRequest("the prompt is empty (no tokens)", prompt.kind === "chat" ? "messages" : "prompt");
    const prefix = adapter ? this.prefixes.get(adapter) ?? null : null;
    const virtual = prefix?.shape[0] ?? 0, ctx = this.opts.ctx, n = ids.length + virtual;
    const want = params.maxTokens ?? 0;
    if (n >= ctx || n + want > ctx) {
      const msg = `This model's maximum context length is ${ctx} tokens. However, you requested ${n + Math.max(want, 1)} tokens ` +
        `(${n} in the prompt${virtual ? `, ${virtual} of them virtual` : ""}; ${Math.max(want, 1)} for the completion). ` +
        `Please reduce the length of the prompt or the completion.`;
      throw badRequest(msg, prompt.kind === "chat" ? "messages" : "prompt", "context_length_exceeded");
    }
    const route = adapter && !prefix ? this.router.index(adapter) : -1;
    const maxNew = params.maxTokens ?? ctx - n;
    this.queue.push(new Sequence({ id, ids, params, route, prefix, maxNew }, this.tok, () => (this.texts ??= new TokenTexts(this.tok))));
    return ids.length;
  }

  /** Drop a request (queued or active); returns its summary, or null when unknown. */
  cancel(id: number): Done | null {
    for (const list of [this.queue, this.active]) {
      const i = list.findIndex((s) => s.id === id);
      if (i < 0) continue;
      const [s] = list.splice(i, 1);
      s!.end("abort");
      this.release(s!);
      return this.summary(s!);
    }
    return null;
  }

  /** Cancel everything (shutdown). */
  cancelAll(): Done[] {
    return [...this.queue, ...this.active].map((s) => this.cancel(s.id)!);
  }

  private summary(s: Sequence): Done {
    const d: Done = { id: s.id, finish: s.finish ?? "abort", promptTokens: s.ids.length, completionTokens: s.generated.length };
    if (s.error) d.error = s.error;
    return d;
  }

  private release(s: Sequence): void {
    if (!s.cache) return;
    s.cache.truncate(0);
    this.free.push(s.cache);
    s.cache = null;
  }

  private admit(): void {
    while (this.queue.length > 0 && this.active.length < this.opts.parallel) {
      const s = this.queue.shift()!;
      s.cache = this.free.pop() ?? this.makeCache();
      this.active.push(s);
    }
  }

  private makeCache(): KVCache {
    this.made++;
    return this.model.makeCache(this.opts.ctx, "f32");
  }

  /** One engine step; returns the tokens produced and the requests that ended. */
  step(): StepResult {
    this.admit();
    const out: StepResult = { events: [], done: [] };
    const plan = this.plan();
    try {
      this.runSoftPrefills(plan.solo, out);
      if (plan.items.length > 0) this.runBatch(plan.items, out);
    } catch (e) {
      for (const { s } of [...plan.items, ...plan.solo]) s.end("error", `the engine failed: ${(e as Error).message}`);
    }
    for (const s of [...this.active]) {
      if (!s.finish) continue;
      const tail = s.finish === "error" ? "" : s.tail();
      if (tail !== "") out.events.push({ id: s.id, text: tail });
      this.active.splice(this.active.indexOf(s), 1);
      this.release(s);
      out.done.push(this.summary(s));
    }
    return out;
  }

  /** Decode tokens first, then prompt chunks in arrival order within the token budget. */
  private plan(): { items: { s: Sequence; tokens: Int32Array }[]; solo: { s: Sequence; tokens: Int32Array }[] } {
    const items: { s: Sequence; tokens: Int32Array }[] = [], solo: { s: Sequence; tokens: Int32Array }[] = [];
    let budget = this.opts.batchTokens;
    for (const s of this.active) {
      if (s.prefilling) continue;
      items.push({ s, tokens: s.nextInput(1) });
      budget--;
    }
    for (const s of this.active) {
      if (!s.prefilling) continue;
      if (budget <= 0 && (items.length + solo.length) > 0) break;
      const tokens = s.nextInput(Math.max(budget, 16));
      budget -= tokens.length;
      (s.prefix && s.consumed === 0 ? solo : items).push({ s, tokens });
    }
    items.sort((a, b) => a.s.route - b.s.route);
    return { items, solo };
  }

  /** A soft prompt's first chunk runs alone (forward with the prefix); later steps batch with everyone. */
  private runSoftPrefills(solo: { s: Sequence; tokens: Int32Array }[], out: StepResult): void {
    for (const { s, tokens } of solo) {
      this.router.clear();
      const logits = noGrad(() => this.model.forward(tokens, s.cache, { prefix: s.prefix })).f32();
      s.consumed += tokens.length;
      if (!s.prefilling) this.sample(s, logits.subarray(logits.length - this.model.config.vocabSize), out);
    }
  }

  private runBatch(items: { s: Sequence; tokens: Int32Array }[], out: StepResult): void {
    const N = items.reduce((n, it) => n + it.tokens.length, 0);
    this.router.tokenRows = new Int32Array(N);
    this.router.seqRows = Int32Array.from(items, (it) => it.s.route);
    let at = 0;
    for (const it of items) {
      this.router.tokenRows.fill(it.s.route, at, at + it.tokens.length);
      at += it.tokens.length;
    }
    const logits = noGrad(() => this.model.forwardMany(items.map((it) => ({ tokens: it.tokens, cache: it.s.cache! })))).f32();
    this.router.clear();
    const V = this.model.config.vocabSize;
    items.forEach((it, i) => {
      const s = it.s;
      if (s.prefilling) s.consumed += it.tokens.length;
      if (!s.prefilling && (it.tokens.length === 1 || s.consumed === s.ids.length)) this.sample(s, logits.subarray(i * V, (i + 1) * V), out);
    });
  }

  private sample(s: Sequence, row: Float32Array, out: StepResult): void {
    try {
      const f = this.opts.failAfterTokens ?? 0;
      if (f > 0 && s.generated.length >= f) throw new Error(`injected failure after ${f} tokens`);
      const ev = s.onLogits(row);
      if (ev) out.events.push(ev);
    } catch (e) {
      s.end("error", (e as Error).message);
    }
  }

  /** Pooled embeddings of several inputs (runs between steps). */
  embed(inputs: (string | number[])[], adapter: string | null): { vectors: Float32Array[]; tokens: number } {
    let tokens = 0;
    const route = adapter ? this.router.index(adapter) : -1;
    const vectors = inputs.map((x, i) => {
      const ids = typeof x === "string" ? this.tok.encode(x, { addBos: this.tok.addBos }) : x;
      if (ids.length === 0) throw badRequest(`input[${i}] has no tokens`, "input");
      if (ids.length > this.opts.ctx) {
        throw badRequest(`input[${i}] has ${ids.length} tokens but the context holds ${this.opts.ctx}`, "input", "context_length_exceeded");
      }
      for (const id of ids) if (id >= this.tok.vocabSize) throw badRequest(`token ${id} is outside the vocabulary`, "input");
      tokens += ids.length;
      this.router.tokenRows = new Int32Array(ids.length).fill(route);
      this.router.seqRows = new Int32Array(0);
      try {
        return pooledEmbedding(this.model, ids);
      } finally {
        this.router.clear();
      }
    });
    return { vectors, tokens };
  }

  /** Caches allocated so far (they are reused; at most `parallel`). */
  get cachesMade(): number {
    return this.made;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
