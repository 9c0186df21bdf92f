// Messages between the HTTP thread and the engine worker, and the request shapes both sides share.
import type { ChatMessage } from "../chat/types.js";
import type { WireError } from "./errors.js";

export interface GenParams {
  /** null: until the context is full. */
  maxTokens: number | null;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  seed?: number;
  stop: string[];
  frequencyPenalty: number;
  presencePenalty: number;
  repetitionPenalty: number;
  logitBias: [number, number][];
  /** Chat: logprobs true; completions: logprobs = N (top N). */
  logprobs: boolean;
  topLogprobs: number;
  /** Constrained output: any JSON object, or a JSON schema (see json-schema.ts for the subset). */
  json: null | { schema: unknown | null };
}

export type Prompt = { kind: "chat"; messages: ChatMessage[] } | { kind: "text"; text: string } | { kind: "ids"; ids: number[] };

export type ToWorker =
  | { t: "submit"; id: number; adapter: string | null; prompt: Prompt; params: GenParams }
  | { t: "cancel"; id: number }
  | { t: "embed"; id: number; adapter: string | null; inputs: (string | number[])[] }
  | { t: "adapter"; id: number; name: string; path: string }
  | { t: "shutdown" };

export interface TopLogprob {
  token: string;
  bytes: number[];
  logprob: number;
}

export interface TokenLogprob extends TopLogprob {
  top: TopLogprob[];
}

/** One generated token of one request: the text that became final with it (may be "") and its logprobs. */
export interface TokenEvent {
  id: number;
  text: string;
  lp?: TokenLogprob;
}

export type FinishReason = "stop" | "length" | "error" | "abort";

export interface ModelInfo {
  name: string;
  ctx: number;
  vocabSize: number;
  dim: number;
  arch: string;
  parallel: number;
  adapters: { name: string; kind: "lora" | "soft-prompt" }[];
  hasChatTemplate: boolean;
}

export type FromWorker =
  | { t: "ready"; info: ModelInfo }
  | { t: "accepted"; id: number; promptTokens: number }
  | { t: "fail"; id: number; error: WireError }
  | { t: "events"; list: TokenEvent[] }
  | { t: "done"; id: number; finish: FinishReason; promptTokens: number; completionTokens: number; error?: string }
  | { t: "embedded"; id: number; vectors: Float32Array[]; tokens: number }
  | { t: "adapter-loaded"; id: number; info: ModelInfo }
  | { t: "stats"; active: number; queued: number; kvUsed: number };
