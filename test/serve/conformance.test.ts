// Conformance: the official openai npm client against a live weft server on loopback (chat and completions, streamed
// and not, logprobs, json_schema output, embeddings, models) and the API's error cases.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { serve } from "./helpers.js";
import type { RunningServer } from "../../src/serve/server.js";
import { compileSchema, matches } from "../../src/serve/json-schema.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "../../src/load/index.js";
import { applyLora } from "../../src/train/lora.js";
import { savePeftAdapter } from "../../src/train/adapters.js";
import { LoRALinear } from "../../src/nn/lora.js";
import { projectionSlots } from "../../src/nn/swap.js";
import { randn } from "../../src/core/tensor.js";
import type { Module } from "../../src/nn/module.js";
import { tinyModel } from "./helpers.js";

const KEY = "sk-test-weft";
let s: RunningServer;
let client: OpenAI;

before(async () => {
  s = await serve({ apiKey: KEY, parallel: 4, maxQueue: 2, maxBodyBytes: 64 * 1024 });
  client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 20_000 });
});
after(() => s.close(1000));

const schema = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 10 },
    age: { type: "integer" },
    pet: { enum: ["cat", "dog", "fox"] },
    tags: { type: "array", items: { type: "string", maxLength: 5 }, maxItems: 3 },
    ok: { type: "boolean" },
  },
  required: ["name", "age", "pet", "ok"],
  additionalProperties: false,
};

describe("openai client: chat", () => {
  it("non-streamed chat completion with usage and logprobs", async () => {
    const r = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Tell me a story." }], max_tokens: 8, seed: 1,
      logprobs: true, top_logprobs: 3 });
    assert.equal(r.object, "chat.completion");
    assert.equal(r.model, "tiny");
    const c = r.choices[0]!;
    assert.equal(c.message.role, "assistant");
    assert.equal(typeof c.message.content, "string");
    assert.ok(c.finish_reason === "length" || c.finish_reason === "stop");
    assert.ok(r.usage && r.usage.prompt_tokens > 0 && r.usage.total_tokens === r.usage.prompt_tokens + r.usage.completion_tokens);
    const lp = c.logprobs!.content!;
    assert.equal(lp.length, r.usage.completion_tokens);
    for (const t of lp) {
      assert.ok(t.logprob <= 0 && t.top_logprobs.length === 3);
      assert.ok(t.top_logprobs[0]!.logprob >= t.logprob - 1e-9);
    }
    if (c.finish_reason === "length") assert.equal(r.usage.completion_tokens, 8);
  });

  it("streamed chat: role first, content deltas, finish_reason, usage chunk", async () => {
    const stream = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: [{ type: "text", text: "Add 2 and 3." }] }],
      max_tokens: 12, stream: true, stream_options: { include_usage: true }, seed: 5, temperature: 0 });
    let text = "", finish: string | null = null, role = "", usage = null as OpenAI.CompletionUsage | null, chunks = 0;
    for await (const ch of stream) {
      chunks++;
      if (ch.usage) usage = ch.usage;
      const c = ch.choices[0];
      if (!c) continue;
      if (c.delta.role) role = c.delta.role;
      text += c.delta.content ?? "";
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(role, "assistant");
    assert.ok(finish === "length" || finish === "stop");
    assert.ok(usage && usage.completion_tokens > 0 && chunks >= 3);
    const again = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Add 2 and 3." }], max_tokens: 12, temperature: 0 });
    assert.equal(again.choices[0]!.message.content, text, "greedy streamed and non-streamed outputs agree");
  });

  it("json_schema output parses and matches the schema", async () => {
    for (const seed of [1, 2, 3]) {
      const r = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Describe a pet as JSON." }], max_tokens: 250,
        seed, response_format: { type: "json_schema", json_schema: { name: "pet", schema, strict: true } } });
      const c = r.choices[0]!;
      assert.equal(c.finish_reason, "stop", `seed ${seed}: ${c.message.content}`);
      const v = JSON.parse(c.message.content!) as unknown;
      assert.ok(matches(compileSchema(schema), v), `seed ${seed}: ${c.message.content}`);
    }
  });

  it("json_object streamed output parses", async () => {
    const stream = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "JSON please" }], max_tokens: 200,
      stream: true, seed: 9, response_format: { type: "json_object" } });
    let text = "", finish = null as string | null;
    for await (const ch of stream) {
      text += ch.choices[0]?.delta.content ?? "";
      finish = ch.choices[0]?.finish_reason ?? finish;
    }
    if (finish === "stop") assert.equal(typeof JSON.parse(text), "object");
    else assert.equal(finish, "length");
  });

  it("stop strings, logit_bias and penalties are applied", async () => {
    const forced = await client.completions.create({ model: "tiny", prompt: "x", max_tokens: 5, logit_bias: { "300": 100 }, temperature: 0 });
    const piece = forced.choices[0]!.text;
    assert.equal(forced.usage!.completion_tokens, 5);
    const one = piece.slice(0, piece.length / 5);
    assert.equal(piece, one.repeat(5));
    const stopped = await client.completions.create({ model: "tiny", prompt: "x", max_tokens: 5, logit_bias: { "300": 100 }, temperature: 0, stop: [one + one] });
    assert.equal(stopped.choices[0]!.text, "", "the text before the first match of the stop string");
    assert.equal(stopped.usage!.completion_tokens, 2);
    assert.equal(stopped.choices[0]!.finish_reason, "stop");
    const pen = await client.completions.create({ model: "tiny", prompt: "x", max_tokens: 5, logit_bias: { "300": 5 }, frequency_penalty: 2,
      presence_penalty: 2, temperature: 0 });
    assert.notEqual(pen.choices[0]!.text, piece, "penalties move greedy decoding off the repeated token");
  });
});

describe("openai client: completions, embeddings, models", () => {
  it("completions, streamed and not, with legacy logprobs", async () => {
    const r = await client.completions.create({ model: "tiny", prompt: "Once upon a time", max_tokens: 6, temperature: 0, logprobs: 2 });
    assert.equal(r.object, "text_completion");
    assert.equal(r.choices[0]!.logprobs!.tokens!.length, r.usage!.completion_tokens);
    assert.equal(r.choices[0]!.logprobs!.top_logprobs![0]!.constructor, Object);
    const stream = await client.completions.create({ model: "tiny", prompt: "Once upon a time", max_tokens: 6, temperature: 0, stream: true });
    let text = "";
    for await (const ch of stream) text += ch.choices[0]?.text ?? "";
    assert.equal(text, r.choices[0]!.text);
  });

  it("embeddings are unit vectors, in float and base64", async () => {
    const r = await client.embeddings.create({ model: "tiny", input: ["a happy cat", "a happy cat", "the red fox"] });
    assert.equal(r.data.length, 3);
    const [a, b, c] = r.data.map((d) => d.embedding);
    assert.equal(a!.length, 64);
    assert.ok(Math.abs(a!.reduce((s, x) => s + x * x, 0) - 1) < 1e-4);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(r.usage.prompt_tokens > 0);
    const short = await client.embeddings.create({ model: "tiny", input: "a happy cat", dimensions: 16 });
    assert.equal(short.data[0]!.embedding.length, 16);
  });

  it("models lists the base model", async () => {
    const list = await client.models.list();
    assert.equal(list.data[0]!.id, "tiny");
    assert.equal((await client.models.retrieve("tiny")).id, "tiny");
  });

  it("the admin endpoint loads a LoRA that requests then name as tiny:ADAPTER", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-admin-"));
    const l = load(tinyModel());
    applyLora(l.model as unknown as Module, ["q", "v"], { rank: 2, alpha: 4 });
    for (const sl of projectionSlots(l.model as unknown as Module)) if (sl.layer instanceof LoRALinear) sl.layer.loraB = randn(sl.layer.loraB.shape, { std: 1 });
    savePeftAdapter(join(dir, "lora"), l.model as unknown as Module, l.config, { rank: 2, alpha: 4 });
    const noKey = await fetch(`${s.url}/v1/adapters`, { method: "POST", body: JSON.stringify({ name: "x", path: join(dir, "lora") }) });
    assert.equal(noKey.status, 401);
    const r = await client.post("/adapters", { body: { name: "styled", path: join(dir, "lora") } });
    assert.deepEqual(r, { id: "tiny:styled", name: "styled", kind: "lora" });
    assert.ok((await client.models.list()).data.some((m) => m.id === "tiny:styled"));
    const ask = (model: string) => client.completions.create({ model, prompt: "Once upon a time", max_tokens: 8, temperature: 0 }).then((x) => x.choices[0]!.text);
    const [base, styled] = await Promise.all([ask("tiny"), ask("tiny:styled")]);
    assert.notEqual(base, styled);
    assert.equal(await ask("tiny"), base);
  });
});

describe("openai client: errors", () => {
  const status = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof OpenAI.APIError, String(e));
      return e;
    }
    assert.fail("expected an error");
  };

  it("401 without the right key", async () => {
    const bad = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "wrong", maxRetries: 0 });
    const e = await status(bad.models.list());
    assert.equal(e.status, 401);
    assert.equal(e.code, "invalid_api_key");
  });

  it("404 for an unknown model or adapter", async () => {
    const e = await status(client.chat.completions.create({ model: "tiny:nope", messages: [{ role: "user", content: "hi" }] }));
    assert.equal(e.status, 404);
    assert.equal(e.code, "model_not_found");
  });

  it("400 for bad fields, with the param named", async () => {
    const e = await status(client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hi" }], temperature: 7 }));
    assert.equal(e.status, 400);
    assert.equal(e.param, "temperature");
    const e2 = await status(client.chat.completions.create({ model: "tiny", messages: [] }));
    assert.equal(e2.param, "messages");
    const e3 = await status(client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hi" }],
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "string", pattern: "^a" } } } }));
    assert.equal(e3.status, 400);
    assert.match(e3.message, /pattern/);
  });

  it("400 context_length_exceeded with the counts", async () => {
    const e = await status(client.completions.create({ model: "tiny", prompt: "cat ".repeat(800), max_tokens: 4 }));
    assert.equal(e.status, 400);
    assert.equal(e.code, "context_length_exceeded");
    assert.match(e.message, /maximum context length is 512 tokens/);
    const e2 = await status(client.completions.create({ model: "tiny", prompt: "cat", max_tokens: 1000 }));
    assert.equal(e2.code, "context_length_exceeded");
  });

  it("413 for a body over the limit", async () => {
    const e = await status(client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "x".repeat(100 * 1024) }] }));
    assert.equal(e.status, 413);
  });

  it("429 with Retry-After when the queue is full", async () => {
    const body = { model: "tiny", prompt: "Once", max_tokens: 200, temperature: 0 };
    const running = Array.from({ length: 6 }, () => client.completions.create(body).then(() => 200, (e: { status: number }) => e.status));
    await new Promise((r) => setTimeout(r, 30));
    const res = await fetch(`${s.url}/v1/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body) });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.equal(((await res.json()) as { error: { type: string } }).error.type, "rate_limit_error");
    assert.deepEqual((await Promise.all(running)).sort(), [200, 200, 200, 200, 200, 200]);
  });
});
