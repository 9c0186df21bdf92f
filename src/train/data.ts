// Training data: text and JSONL files ({text} | {prompt, completion} | {messages}) -> token examples with loss masks,
// seeded shuffling, a train/validation split, and packing into fixed-length rows.
import { readFileSync } from "node:fs";
import type { Tokenizer } from "../tokenizers/index.js";
import { Rng } from "../core/rng.js";
import { FormatError } from "../util/errors.js";

export interface ChatTurn {
  role: string;
  content: string;
}

export type Record_ = { text: string } | { prompt: string; completion: string } | { messages: ChatTurn[] };

/** Token ids and, per id, whether the model is trained to predict it. */
export interface Example {
  ids: number[];
  train: boolean[];
}

function parseRecord(v: unknown, where: string): Record_ {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new FormatError("data", `${where}: expected a JSON object`);
  const o = v as Record<string, unknown>;
  if (typeof o.text === "string") return { text: o.text };
  if (typeof o.prompt === "string" && typeof o.completion === "string") return { prompt: o.prompt, completion: o.completion };
  if (Array.isArray(o.messages)) {
    const turns = o.messages.map((m, i) => {
      const t = m as Record<string, unknown>;
      if (typeof t?.role !== "string" || typeof t?.content !== "string") throw new FormatError("data", `${where}: messages[${i}] needs string 'role' and 'content'`);
      return { role: t.role, content: t.content };
    });
    return { messages: turns };
  }
  throw new FormatError("data", `${where}: expected a 'text' string, 'prompt' and 'completion' strings, or a 'messages' array`);
}

/** Records of a .jsonl file (one object per line; blank lines skipped) or a whole .txt file as one text. */
export function readRecords(path: string): Record_[] {
  const raw = readFileSync(path, "utf8");
  if (!path.endsWith(".jsonl") && !path.endsWith(".json")) {
    if (raw.trim() === "") throw new FormatError("data", `${path} is empty`);
    return [{ text: raw }];
  }
  const out: Record_[] = [];
  raw.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new FormatError("data", `${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
    out.push(parseRecord(v, `${path}:${i + 1}`));
  });
  if (out.length === 0) throw new FormatError("data", `${path} has no records`);
  return out;
}

/** Render chat records as text turns (used when no chat template is given): "role: content\n". */
export type ChatRenderer = (turns: ChatTurn[]) => { text: string; train: boolean }[];

const plainChat: ChatRenderer = (turns) => turns.map((t) => ({ text: `${t.role}: ${t.content}\n`, train: t.role === "assistant" }));

/** Tokenise records; loss only on completions / assistant turns; BOS first, EOS after each example. The text is
 *  encoded whole (so tokens that span a prompt/completion seam are the ones the model will see when generating);
 *  each token trains when it lies past the common prefix with the encoding of the text before its part. */
export function toExamples(records: readonly Record_[], tok: Tokenizer, render: ChatRenderer = plainChat): Example[] {
  return records.map((r) => {
    const parts: { text: string; train: boolean }[] =
      "text" in r ? [{ text: r.text, train: true }]
      : "prompt" in r ? [{ text: r.prompt, train: false }, { text: r.completion, train: true }]
      : render(r.messages);
    const ex: Example = { ids: [], train: [] };
    if (tok.bos !== null && tok.addBos) push(ex, [tok.bos], false);
    const start = ex.ids.length;
    let text = "", prev: number[] = [];
    for (const p of parts) {
      text += p.text;
      const ids = tok.encode(text, { addBos: false });
      let common = 0;
      while (common < prev.length && common < ids.length && prev[common] === ids[common]) common++;
      ex.ids.length = start + common;
      ex.train.length = start + common;
      push(ex, ids.slice(common), p.train);
      prev = ids;
    }
    if (tok.eos !== null) push(ex, [tok.eos], parts[parts.length - 1]?.train ?? true);
    return ex;
  });
}

function push(ex: Example, ids: readonly number[], train: boolean): void {
  for (const id of ids) {
    ex.ids.push(id);
    ex.train.push(train);
  }
}

/** Seeded Fisher-Yates shuffle (a copy). */
export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs], rng = new Rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Split off the last `fraction` (after a seeded shuffle) for validation; at least one example each when possible. */
export function trainValSplit<T>(xs: readonly T[], fraction: number, seed: number): { train: T[]; val: T[] } {
  const s = shuffled(xs, seed);
  const nVal = fraction <= 0 || s.length < 2 ? 0 : Math.max(1, Math.min(s.length - 1, Math.round(s.length * fraction)));
  return { train: s.slice(0, s.length - nVal), val: s.slice(s.length - nVal) };
}

/** A row of T inputs and T targets (-100 where no loss). */
export interface Row {
  input: Int32Array;
  target: Int32Array;
}

/** Concatenate examples and cut rows of T+1 tokens (inputs = [0, T), targets = [1, T]); the tail is dropped. */
export function packRows(examples: readonly Example[], T: number, ignore = -100): Row[] {
  const ids: number[] = [], train: boolean[] = [];
  for (const e of examples) {
    // element by element: spreading a long example into push() overflows the call stack
    for (let i = 0; i < e.ids.length; i++) {
      ids.push(e.ids[i]!);
      train.push(e.train[i]!);
    }
  }
  const rows: Row[] = [];
  for (let s = 0; s + T + 1 <= ids.length; s += T) {
    const input = Int32Array.from(ids.slice(s, s + T));
    const target = Int32Array.from({ length: T }, (_, t) => (train[s + t + 1] ? ids[s + t + 1]! : ignore));
    rows.push({ input, target });
  }
  return rows;
}
