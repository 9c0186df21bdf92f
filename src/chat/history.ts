// Chat history that fits a context: the oldest turns are dropped first, never a leading system message and never
// the newest message.
import type { ChatMessage } from "./types.js";

export interface FittedHistory {
  /** The messages kept (system message first when there is one). */
  messages: ChatMessage[];
  /** Prompt ids of the kept messages (as `encode` returns them). */
  ids: number[];
  /** Messages dropped from the front. */
  dropped: number;
}

/**
 * Drop whole turns from the front of `messages` (a user message and the replies up to the next user message) until
 * encode(messages) has at most `budget` ids. A leading system message and the last turn are always kept, so the
 * result may still be over budget: the caller decides what to do then.
 */
export function fitHistory(messages: readonly ChatMessage[], encode: (m: ChatMessage[]) => number[], budget: number): FittedHistory {
  const head = messages.length > 0 && messages[0]!.role === "system" ? 1 : 0;
  let kept = [...messages];
  let ids = encode(kept);
  let dropped = 0;
  while (ids.length > budget) {
    const end = turnEnd(kept, head);
    if (end >= kept.length) break; // only the newest turn is left
    dropped += end - head;
    kept = [...kept.slice(0, head), ...kept.slice(end)];
    ids = encode(kept);
  }
  return { messages: kept, ids, dropped };
}

/** Index just past the oldest turn that starts at `from`: the next user message after it (or the end). */
function turnEnd(m: readonly ChatMessage[], from: number): number {
  let i = from + 1;
  while (i < m.length && m[i]!.role !== "user") i++;
  return i;
}
