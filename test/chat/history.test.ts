// fitHistory: whole turns leave oldest first, the system message and the newest turn stay.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fitHistory } from "../../src/chat/history.js";
import type { ChatMessage } from "../../src/chat/index.js";

/** One id per character of every message, plus one per message: a stand-in for a template + tokenizer. */
const encode = (m: ChatMessage[]) => m.flatMap((x) => [0, ...Array.from(String(x.content), () => 1)]);

const HISTORY: ChatMessage[] = [
  { role: "system", content: "sys" },
  { role: "user", content: "aaaa" },
  { role: "assistant", content: "bbbb" },
  { role: "user", content: "cc" },
  { role: "assistant", content: "dd" },
  { role: "tool", content: "t" },
  { role: "user", content: "new" },
];

test("fitHistory keeps everything that fits", () => {
  const r = fitHistory(HISTORY, encode, 1000);
  assert.equal(r.dropped, 0);
  assert.deepEqual(r.messages, HISTORY);
  assert.equal(r.ids.length, encode(HISTORY).length);
});

test("fitHistory drops whole turns, oldest first, never the system message or the newest turn", () => {
  const all = encode(HISTORY).length; // 7 + 3 + 4 + 4 + 2 + 2 + 1 + 3 = 26
  const r = fitHistory(HISTORY, encode, all - 1);
  assert.equal(r.dropped, 2);
  assert.deepEqual(r.messages.map((m) => m.content), ["sys", "cc", "dd", "t", "new"]);
  const r2 = fitHistory(HISTORY, encode, 9);
  assert.deepEqual(r2.messages.map((m) => m.content), ["sys", "new"]);
  assert.equal(r2.dropped, 5);
  const r3 = fitHistory(HISTORY, encode, 1);
  assert.deepEqual(r3.messages.map((m) => m.content), ["sys", "new"], "over budget: the caller decides");
  assert.ok(r3.ids.length > 1);
  const noSystem = fitHistory(HISTORY.slice(1), encode, 10);
  assert.deepEqual(noSystem.messages.map((m) => m.content), ["new"]);
});
