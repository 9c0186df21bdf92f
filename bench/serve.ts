// npm run bench:serve: concurrent streaming clients against `weft serve` on a 110M-class random-weight llama:
// aggregate tokens/s, time to first token and inter-token latency (p50/p99), errors, server RSS before/after rounds.
// Anchor: llama.cpp's single-stream decode on the same file (node-llama-cpp, best of 1 and 2 threads).
// Flags: --shape 110M --type Q8_0 --clients 1,4,8,16 --rounds 3 --prompt 32 --gen 64 --threads 2
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { modelFile } from "./infer/shapes.js";
import type { GgmlTypeName } from "../src/dtype/ggml.js";

const { values } = parseArgs({ options: {
  shape: { type: "string", default: "110M" }, type: { type: "string", default: "Q8_0" }, clients: { type: "string", default: "1,4,8,16" },
  rounds: { type: "string", default: "3" }, prompt: { type: "string", default: "32" }, gen: { type: "string", default: "64" },
  threads: { type: "string", default: "2" }, anchor: { type: "boolean", default: true },
} });
const gen = Number(values.gen), rounds = Number(values.rounds), clientsList = values.clients!.split(",").map(Number);
const root = fileURLToPath(new URL("../../", import.meta.url));

interface ClientResult { ttft: number; gaps: number[]; tokens: number; error: boolean; decodeRate: number }

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : NaN);
const median = (xs: number[]) => pct(xs, 0.5);

function startServer(path: string, parallel: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [`${root}bin/weft.js`, "serve", "--model", path, "--port", "0", "--parallel", String(parallel),
    "--threads", values.threads!, "--ctx", "512", "--max-queue", "64"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+) /.exec(err);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

async function rss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^weft_process_resident_memory_bytes (\d+)/m.exec(text)![1]) / 2 ** 20;
}

async function client(url: string, i: number): Promise<ClientResult> {
  // the synthetic byte-level vocabulary spends two tokens ("▁", letter) per one-letter word
  const words = Array.from({ length: Math.max(1, Number(values.prompt) / 2) }, (_, k) => String.fromCharCode(97 + ((i * 7 + k) % 26))).join(" ");
  const t0 = performance.now();
  const out: ClientResult = { ttft: NaN, gaps: [], tokens: 0, error: false, decodeRate: NaN };
  try {
    const res = await fetch(`${url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: words, max_tokens: gen, stream: true, seed: i }) });
    if (res.status !== 200) return { ...out, error: true };
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = "", last = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      buf += dec.decode(r.value, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        if (!frame.startsWith("data: {")) continue;
        const chunk = JSON.parse(frame.slice(6)) as { error?: unknown; choices: { finish_reason: string | null }[] };
        if (chunk.error || chunk.choices[0]?.finish_reason === "error") out.error = true;
        if (chunk.choices[0]?.finish_reason) continue;
        const now = performance.now();
        if (out.tokens === 0) out.ttft = now - t0;
        else out.gaps.push(now - last);
        last = now;
        out.tokens++;
      }
    }
  } catch {
    out.error = true;
  }
  const decodeMs = out.gaps.reduce((a, b) => a + b, 0);
  out.decodeRate = decodeMs > 0 ? out.gaps.length / (decodeMs / 1000) : NaN;
  return out;
}

function anchor(path: string): number {
  const best = [1, 2].map((t) => {
    const r = spawnSync(process.execPath, [`${root}dist/bench/infer/run-llamacpp.js`, path, values.prompt!, String(gen), String(t)], { encoding: "utf8" });
    return r.status === 0 ? (JSON.parse(r.stdout.trim().split("\n").pop()!) as { decode: number }).decode : NaN;
  });
  return Math.max(...best.filter((x) => !Number.isNaN(x)));
}

const path = modelFile(values.shape!, values.type as GgmlTypeName);
const maxClients = Math.max(...clientsList);
const { child, url } = await startServer(path, maxClients);
const rows: string[] = [];
let single = NaN, singleDecode = NaN;
try {
  await client(url, 999); // warm-up
  for (const n of clientsList) {
    const before = await rss(url);
    let afterFirst = NaN;
    const rates: number[] = [], decodeRates: number[] = [], ttft: number[] = [], gaps: number[] = [], health: number[] = [];
    let errors = 0;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      let running = true;
      const probe = (async () => {
        while (running) {
          const h0 = performance.now();
          if ((await fetch(`${url}/health`)).status !== 200) errors++;
          health.push(performance.now() - h0);
          await new Promise((res) => setTimeout(res, 50));
        }
      })();
      const res = await Promise.all(Array.from({ length: n }, (_, i) => client(url, r * 100 + i)));
      running = false;
      await probe;
      if (r === 0) afterFirst = await rss(url);
      const secs = (performance.now() - t0) / 1000;
      rates.push(res.reduce((s, x) => s + x.tokens, 0) / secs);
      decodeRates.push(res.reduce((s, x) => s + (Number.isNaN(x.decodeRate) ? 0 : x.decodeRate), 0));
      for (const x of res) {
        if (!Number.isNaN(x.ttft)) ttft.push(x.ttft);
        gaps.push(...x.gaps);
        if (x.error) errors++;
      }
    }
    const after = await rss(url);
    const rate = median(rates), decode = median(decodeRates);
    if (n === 1) {
      single = rate;
      singleDecode = decode;
    }
    const f = (x: number) => x.toFixed(0);
    rows.push(`| ${n} | ${rate.toFixed(1)} | ${(rate / single).toFixed(2)} | ${decode.toFixed(1)} | ${(decode / singleDecode).toFixed(2)} | ${f(pct(ttft, 0.5))} | ${f(pct(ttft, 0.99))} | ${f(pct(gaps, 0.5))} | ` +
      `${f(pct(gaps, 0.99))} | ${pct(health, 0.99).toFixed(1)} | ${errors} | ${f(before)} | ${f(afterFirst)} | ${f(after)} |`);
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
} finally {
  child.kill("SIGTERM");
}
console.log(`model: ${values.shape} ${values.type} (random weights), prompt ${values.prompt} tokens, ${gen} generated per client, ${rounds} rounds, ` +
  `server --threads ${values.threads} --parallel ${maxClients}`);
console.log("| clients | end-to-end tok/s | vs 1 client | decode tok/s (sum of streams) | vs 1 client | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms | /health p99 ms | errors | RSS before MB | RSS after round 1 MB | RSS after round 3 MB |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
if (values.anchor) console.log(`anchor: llama.cpp single-stream decode on the same file (best of 1 and 2 threads): ${anchor(path).toFixed(1)} tok/s`);
