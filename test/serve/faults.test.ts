// Limits and faults: disconnects free slots fast, idle connections time out, errors after streaming began end the
// stream with an error chunk, CORS allow-list, auth on every route but /health, /health stays fast under load,
// SIGTERM drains and cancels streams cleanly.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import { Agent, get } from "node:http";
import { join } from "node:path";
import { mediumModel, serve, tinyModel } from "./helpers.js";
import { repoRoot } from "../helpers/fixtures.js";

const post = (url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal });

/** `weft serve ARGS --port 0 --threads 1` as a child process; resolves once it listens. */
function spawnServer(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [join(repoRoot, "bin/weft.js"), "serve", ...args, "--port", "0", "--threads", "1"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+) /.exec(err);
      if (m) resolve({ child, url: m[1]!, stderr: () => err });
    });
    child.on("exit", () => reject(new Error(`server exited: ${err}`)));
  });
}

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)![1]);
}

/** Read SSE frames until [DONE]; returns the parsed chunks. */
async function readSse(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  assert.ok(text.trimEnd().endsWith("data: [DONE]"), text.slice(-200));
  return text.split("\n\n").filter((f) => f.startsWith("data: {")).map((f) => JSON.parse(f.slice(6)) as Record<string, unknown>);
}

describe("faults", () => {
  it("a client that disconnects frees its slot within 500 ms", async () => {
    const s = await serve({ parallel: 2 });
    try {
      const ac = new AbortController();
      const res = await post(`${s.url}/v1/completions`, { prompt: "Once", max_tokens: 480, stream: true, temperature: 0 }, {}, ac.signal);
      const reader = res.body!.getReader();
      await reader.read();
      assert.equal(await gauge(s.url, "weft_inflight_requests"), 1);
      const t0 = performance.now();
      ac.abort();
      let freed = -1;
      while (performance.now() - t0 < 2000) {
        if ((await gauge(s.url, "weft_inflight_requests")) === 0) {
          freed = performance.now() - t0;
          break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(freed >= 0 && freed < 500, `slot freed after ${freed.toFixed(0)} ms`);
    } finally {
      await s.close(0);
    }
  });

  it("idle and half-sent connections are closed", async () => {
    const s = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 300, keepAliveTimeoutMs: 200 });
    try {
      const closedAfter = (send: string) => new Promise<number>((resolve) => {
        const t0 = performance.now();
        const sock = connect(s.port, "127.0.0.1", () => sock.write(send));
        sock.on("data", () => {});
        sock.on("close", () => resolve(performance.now() - t0));
        sock.on("error", () => {});
      });
      const partial = await closedAfter("GET /health HTTP/1.1\r\nHost: x\r\n");
      assert.ok(partial < 2000, `half-sent headers closed after ${partial.toFixed(0)} ms`);
      const idle = await closedAfter("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.ok(idle < 2000, `idle keep-alive closed after ${idle.toFixed(0)} ms`);
    } finally {
      await s.close(0);
    }
  });

  it("an error after streaming began ends with an error chunk and finish_reason error", async () => {
    const s = await serve({ failAfterTokens: 3 });
    try {
      const chunks = await readSse(await post(`${s.url}/v1/chat/completions`, { messages: [{ role: "user", content: "hi" }], max_tokens: 40, stream: true,
        temperature: 0 }));
      const last = chunks[chunks.length - 1]! as { choices: { finish_reason: string }[]; error?: { message: string; type: string } };
      assert.equal(last.choices[0]!.finish_reason, "error");
      assert.equal(last.error?.type, "server_error");
      assert.match(last.error!.message, /injected failure/);
      assert.ok(chunks.length >= 4, "tokens were streamed before the error");
      const plain = await post(`${s.url}/v1/completions`, { prompt: "hi", max_tokens: 40 });
      assert.equal(plain.status, 500);
      assert.equal(((await plain.json()) as { error: { type: string } }).error.type, "server_error");
    } finally {
      await s.close(0);
    }
  });

  it("a worker that dies fails its streams with an error chunk and is started again", async () => {
    const s = await serve({});
    try {
      const res = await post(`${s.url}/v1/completions`, { prompt: "Once", max_tokens: 480, stream: true });
      const reader = res.body!.getReader();
      await reader.read();
      await (s.engine as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      let text = "";
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
      assert.match(text, /"finish_reason":"error"/);
      assert.match(text, /engine stopped/);
      assert.ok(text.trimEnd().endsWith("data: [DONE]"));
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await post(`${s.url}/v1/completions`, { prompt: "Once", max_tokens: 2 })).status;
      }
      assert.equal(status, 200, "the restarted engine serves again");
    } finally {
      await s.close(0);
    }
  });

  it("auth on every route but /health; CORS answers only allow-listed origins", async () => {
    const s = await serve({ apiKey: "secret", corsOrigins: ["http://good.example"] });
    try {
      assert.equal((await fetch(`${s.url}/health`)).status, 200);
      for (const [path, method] of [["/metrics", "GET"], ["/v1/models", "GET"], ["/v1/chat/completions", "POST"], ["/v1/embeddings", "POST"], ["/v1/adapters", "POST"]]) {
        const r = await fetch(`${s.url}${path}`, { method, headers: { authorization: "Bearer secre" } });
        assert.equal(r.status, 401, path);
        assert.equal(((await r.json()) as { error: { type: string } }).error.type, "authentication_error");
      }
      assert.equal((await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer secret" } })).status, 200);
      const good = await fetch(`${s.url}/health`, { headers: { origin: "http://good.example" } });
      assert.equal(good.headers.get("access-control-allow-origin"), "http://good.example");
      assert.equal(good.headers.get("access-control-allow-credentials"), "true");
      const evil = await fetch(`${s.url}/health`, { headers: { origin: "http://evil.example" } });
      assert.equal(evil.headers.get("access-control-allow-origin"), null);
      assert.equal((await fetch(`${s.url}/v1/models`, { method: "OPTIONS", headers: { origin: "http://evil.example" } })).status, 403);
      const pre = await fetch(`${s.url}/v1/models`, { method: "OPTIONS", headers: { origin: "http://good.example" } });
      assert.equal(pre.status, 204);
      assert.match(pre.headers.get("access-control-allow-headers")!, /authorization/);
    } finally {
      await s.close(0);
    }
    const any = await serve({ corsOrigins: ["*"] });
    try {
      const r = await fetch(`${any.url}/health`, { headers: { origin: "http://x.example" } });
      assert.equal(r.headers.get("access-control-allow-origin"), "*");
      assert.equal(r.headers.get("access-control-allow-credentials"), null);
      const bad = await post(`${any.url}/v1/chat/completions`, "{nope");
      assert.equal(bad.status, 400);
      assert.equal((await fetch(`${any.url}/v1/nothing`)).status, 404);
    } finally {
      await any.close(0);
    }
  });

  it("/health answers in < 50 ms at p99 while 8 streams decode", async () => {
    // the server runs as its own process (as deployed), so the probes measure it, not this process's SSE clients
    const { child, url } = await spawnServer(["--model", mediumModel(), "--parallel", "8"]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const probe = () => new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      get(`${url}/health`, { agent }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
      }).on("error", reject);
    });
    try {
      for (let i = 0; i < 10; i++) await probe(); // warm-up
      // the machine is shared: a burst of outside load can stall any process, so the best of three measurements counts
      const measure = async () => {
        const ac = new AbortController();
        const streams = Array.from({ length: 8 }, (_, i) => post(`${url}/v1/completions`, { prompt: `Once ${i}`, max_tokens: 400, stream: true }, {},
          ac.signal).then((r) => r.text()).catch(() => ""));
        await new Promise((r) => setTimeout(r, 200));
        const lat: number[] = [];
        let busy = 0;
        for (let i = 0; i < 100; i++) {
          if (i === 50) busy = await gauge(url, "weft_active_sequences");
          lat.push(await probe());
          await new Promise((r) => setTimeout(r, 5));
        }
        ac.abort();
        await Promise.all(streams);
        assert.ok(busy > 0, "the streams were decoding while /health was probed");
        lat.sort((a, b) => a - b);
        return lat[Math.floor(lat.length * 0.99)]!;
      };
      let p99 = Infinity;
      for (let attempt = 0; attempt < 3 && p99 >= 50; attempt++) p99 = Math.min(p99, await measure());
      assert.ok(p99 < 50, `p99 ${p99.toFixed(1)} ms`);
    } finally {
      agent.destroy();
      child.kill("SIGTERM");
    }
  });

  it("SIGTERM cancels streams cleanly and the process exits 0", async () => {
    const { child, url, stderr } = await spawnServer(["--model", tinyModel(), "--drain", "0"]);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const res = await post(`${url}/v1/completions`, { prompt: "Once", max_tokens: 480, stream: true });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    await reader.read();
    child.kill("SIGTERM");
    let text = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    assert.ok(text.trimEnd().endsWith("data: [DONE]"), text.slice(-300));
    assert.match(text, /"finish_reason":"(error|length|stop)"/);
    assert.equal(await exited, 0, stderr());
    assert.match(stderr(), /SIGTERM: draining/);
  });
});
