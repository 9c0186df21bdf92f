// Prometheus text exposition: counters, gauges and histograms for requests, tokens, queue and latencies.

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private n = 0;

  constructor(readonly name: string, readonly help: string, readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(v: number): void {
    this.sum += v;
    this.n++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.bounds.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.n}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.n}`);
    return lines.join("\n");
  }
}

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export class Metrics {
  private readonly requests = new Map<string, number>();
  private promptTokens = 0;
  private completionTokens = 0;
  readonly ttft = new Histogram("weft_time_to_first_token_seconds", "Time from request to the first generated token.",
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  readonly itl = new Histogram("weft_inter_token_latency_seconds", "Time between consecutive tokens of one request.",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
  readonly duration = new Histogram("weft_request_duration_seconds", "Time from request to the end of its response.",
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]);

  request(route: string, status: number): void {
    const k = `route="${esc(route)}",status="${status}"`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }

  tokens(prompt: number, completion: number): void {
    this.promptTokens += prompt;
    this.completionTokens += completion;
  }

  render(g: { queued: number; active: number; inflight: number; kvUsed: number; slots: number }): string {
    const out = ["# HELP weft_requests_total HTTP requests by route and status.", "# TYPE weft_requests_total counter"];
    for (const [k, n] of this.requests) out.push(`weft_requests_total{${k}} ${n}`);
    out.push("# HELP weft_tokens_total Tokens processed.", "# TYPE weft_tokens_total counter",
      `weft_tokens_total{kind="prompt"} ${this.promptTokens}`, `weft_tokens_total{kind="completion"} ${this.completionTokens}`);
    const gauge = (name: string, help: string, v: number) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`);
    gauge("weft_queue_depth", "Requests waiting for a slot.", g.queued);
    gauge("weft_active_sequences", "Sequences in the engine's batch.", g.active);
    gauge("weft_inflight_requests", "Requests accepted and not finished.", g.inflight);
    gauge("weft_slots", "KV-cache slots (--parallel).", g.slots);
    gauge("weft_kv_cache_tokens", "Tokens held in the KV caches of active sequences.", g.kvUsed);
    gauge("weft_process_resident_memory_bytes", "Resident set size of the server process.", process.memoryUsage.rss());
    out.push(this.ttft.render(), this.itl.render(), this.duration.render());
    return out.join("\n") + "\n";
  }
}
