// One request inside the engine: its prompt, KV cache slot, sampler, stop strings, JSON constraint and token output.
import type { Tensor } from "../core/tensor.js";
import type { KVCache } from "../nn/kv-cache.js";
import type { Tokenizer, StreamDecoder } from "../tokenizers/types.js";
import { Rng } from "../core/rng.js";
import { StopMatcher } from "../generate/stop.js";
import { JsonState } from "./json-constraint.js";
import { ANY_OBJECT, compileSchema } from "./json-schema.js";
import { applyPenalties, drawToken, logSumExp, maskJson, topIndices, CONSTRAINED_CANDIDATES, type PenaltyOptions, type TokenTexts } from "./sampling.js";
import type { FinishReason, GenParams, TokenEvent, TokenLogprob } from "./protocol.js";

export interface SequenceInit {
  id: number;
  ids: number[];
  params: GenParams;
  /** Adapter row index for LoRA routing (-1 = base). */
  route: number;
  prefix: Tensor | null;
  /** Tokens the sequence may generate at most (already capped by the context). */
  maxNew: number;
}

export class Sequence {
  readonly id: number;
  readonly ids: number[];
  readonly route: number;
  readonly prefix: Tensor | null;
  cache: KVCache | null = null;
  /** Prompt tokens already in the cache. */
  consumed = 0;
  readonly generated: number[] = [];
  finish: FinishReason | null = null;
  error: string | null = null;
  private last = -1;
  private readonly rng: Rng;
  private readonly stops: StopMatcher;
  private readonly decoder: StreamDecoder;
  private json: JsonState | null;
  private readonly penalties: PenaltyOptions;
  private readonly want: number;

  private readonly maxNew: number;
  private readonly params: GenParams;
  private stoppedByString = false;

  constructor(init: SequenceInit, private readonly tok: Tokenizer, private readonly texts: () => TokenTexts) {
    this.id = init.id;
    this.maxNew = init.maxNew;
    this.params = init.params;
    this.ids = init.ids;
    this.route = init.route;
    this.prefix = init.prefix;
    const p = init.params;
    this.rng = new Rng(p.seed ?? Math.floor(Math.random() * 2 ** 31));
    this.stops = new StopMatcher(p.stop);
    this.decoder = tok.streamDecoder();
    this.json = p.json ? JsonState.start(p.json.schema === null ? ANY_OBJECT : compileSchema(p.json.schema)) : null;
    this.penalties = { frequencyPenalty: p.frequencyPenalty, presencePenalty: p.presencePenalty, repetitionPenalty: p.repetitionPenalty, logitBias: new Map(p.logitBias) };
    const k = p.topK ?? 40;
    this.want = p.temperature === 0 ? 1 : k > 0 ? k : CONSTRAINED_CANDIDATES;
  }

  get prefilling(): boolean {
    return this.consumed < this.ids.length;
  }

  /** The tokens this sequence feeds in the next step: a prompt chunk of at most `budget`, or its last token. */
  nextInput(budget: number): Int32Array {
    if (!this.prefilling) return Int32Array.of(this.last);
    return Int32Array.from(this.ids.slice(this.consumed, this.consumed + Math.max(1, budget)));
  }

  /** Sample from this sequence's logits row; returns the token event (null when the sequence ended without a token). */
  onLogits(row: Float32Array): TokenEvent | null {
    const raw = this.params.logprobs ? row.slice() : null;
    const work = row; // the step's logits are fresh: bias, penalties and masks edit them in place
    applyPenalties(work, this.penalties, this.generated, () => this.ids.concat(this.generated));
    let kept: Map<number, JsonState> | null = null;
    if (this.json) {
      kept = maskJson(work, this.json, this.texts(), (id) => this.tok.isEog(id), this.want);
      if (!kept) {
        this.end("error", "no token can continue the JSON output");
        return null;
      }
    }
    const tok = drawToken(work, this.params, () => this.rng.uniform());
    if (kept) this.json = kept.get(tok) ?? this.json;
    if (this.tok.isEog(tok)) {
      this.end("stop");
      return null;
    }
    this.generated.push(tok);
    this.last = tok;
    const { emit, stopped } = this.stops.push(this.decoder.push(tok));
    const ev: TokenEvent = { id: this.id, text: emit };
    if (raw) ev.lp = this.logprob(raw, tok);
    if (stopped) this.stoppedByString = true;
    if (stopped || this.json?.done) this.end("stop");
    else if (this.generated.length >= this.maxNew) this.end("length");
    else if (this.cache && this.cache.length >= this.cache.ctx) this.end("length");
    return ev;
  }

  /** Text still held back (pending UTF-8 or a possible stop string) at the end, unless a stop string cut it. */
  tail(): string {
    if (this.finish === "stop" && this.stoppedByString) return "";
    return this.stops.push(this.decoder.flush()).emit + this.stops.flush();
  }

  end(reason: FinishReason, error?: string): void {
    if (this.finish) return;
    this.finish = reason;
    if (error) this.error = error;
  }

  private logprob(raw: Float32Array, tok: number): TokenLogprob {
    const z = logSumExp(raw);
    const entry = (id: number) => ({ token: this.tok.tokenToPiece(id), bytes: Array.from(this.tok.tokenToBytes?.(id) ?? []), logprob: raw[id]! - z });
    const top = this.params.topLogprobs > 0 ? topIndices(raw, this.params.topLogprobs).map(entry) : [];
    return { ...entry(tok), top };
  }
}
