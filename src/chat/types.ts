// Chat messages, render options and the typed errors of chat-template rendering.
import { WeftError } from "../util/errors.js";

/** One part of a multi-part message content (OpenAI style: {type: "text", text}). */
export interface ChatContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

/** A chat message as templates see it (role, content, and whatever else the template reads: tool_calls, ...). */
export interface ChatMessage {
  role: string;
  content?: string | ChatContentPart[] | null;
  [key: string]: unknown;
}

export interface RenderOptions {
  /** Append the assistant header so the model answers (template variable add_generation_prompt); default false. */
  addGenerationPrompt?: boolean;
  /** Template variable bos_token; default "". */
  bosToken?: string;
  /** Template variable eos_token; default "". */
  eosToken?: string;
  /** Tool (function) descriptions, template variable tools; default none. */
  tools?: unknown[];
  /** More template variables (enable_thinking, date_string, ...); the names above win over these. */
  extra?: Record<string, unknown>;
  /** Wall-clock limit of one render in milliseconds; default 1000. */
  timeLimitMs?: number;
  /** Largest output in UTF-16 code units; default 1 MiB plus twice the text of messages and tools. */
  maxOutputChars?: number;
}

/** A template that does not parse, raises (raise_exception) or fails while rendering. */
export class TemplateError extends WeftError {}

/** A render stopped by the sandbox: it ran past its time limit (or died, e.g. out of memory) or its output is too large. */
export class TemplateLimitError extends WeftError {
  constructor(
    op: string,
    readonly limit: "time" | "size",
    detail: string,
  ) {
    super(op, detail);
  }
}
