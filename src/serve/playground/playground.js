// weft playground: a chat client for /v1/chat/completions with SSE streaming, sampling controls, adapter picker, tokens/s.
const $ = (id) => document.getElementById(id);
const history = [];
let controller = null;

function headers() {
  const h = { "content-type": "application/json" };
  const key = $("apikey").value.trim();
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

async function loadModels() {
  const sel = $("model");
  try {
    const r = await fetch("/v1/models", { headers: headers() });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error?.message ?? r.statusText);
    sel.replaceChildren(...body.data.map((m) => new Option(m.id.includes(":") ? `${m.id} (adapter)` : m.id, m.id)));
  } catch (e) {
    setStats(`models: ${e.message}`);
  }
}

function setStats(text) {
  $("stats").textContent = text;
}

function bubble(role, text) {
  const div = document.createElement("div");
  div.className = `msg ${role}`;
  div.textContent = text;
  $("messages").append(div);
  div.scrollIntoView({ block: "end" });
  return div;
}

function numberField(id, integer) {
  const raw = $(id).value.trim();
  if (raw === "") return undefined;
  const v = Number(raw);
  return Number.isFinite(v) ? (integer ? Math.round(v) : v) : undefined;
}

function requestBody() {
  const messages = [];
  const sys = $("system").value.trim();
  if (sys) messages.push({ role: "system", content: sys });
  messages.push(...history);
  const body = {
    model: $("model").value || undefined, messages, stream: true, stream_options: { include_usage: true },
    temperature: numberField("temperature"), top_p: numberField("top_p"), top_k: numberField("top_k", true), min_p: numberField("min_p"),
    max_tokens: numberField("max_tokens", true), seed: numberField("seed", true),
    frequency_penalty: numberField("frequency_penalty"), presence_penalty: numberField("presence_penalty"),
  };
  if ($("json").checked) body.response_format = { type: "json_object" };
  return body;
}

/** Parse an SSE byte stream into JSON payloads (stops at [DONE]). */
async function* events(body) {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const frame = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      for (const line of frame.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        yield JSON.parse(data);
      }
    }
  }
}

async function send(text) {
  history.push({ role: "user", content: text });
  bubble("user", text);
  const out = bubble("assistant", "");
  out.dataset.state = "streaming";
  controller = new AbortController();
  $("send").disabled = true;
  $("stop").disabled = false;
  const t0 = performance.now();
  let first = 0, tokens = 0, reply = "", finish = null;
  try {
    const r = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(requestBody()), signal: controller.signal });
    if (!r.ok) throw new Error((await r.json()).error?.message ?? r.statusText);
    for await (const chunk of events(r.body)) {
      if (chunk.error) throw new Error(chunk.error.message);
      const c = chunk.choices?.[0];
      if (c?.delta?.content) {
        tokens++;
        if (!first) first = performance.now();
        reply += c.delta.content;
        out.textContent = reply;
        const secs = (performance.now() - first) / 1000;
        setStats(`${tokens} tokens · ${secs > 0 ? (tokens / secs).toFixed(1) : "…"} tok/s · first token ${Math.round(first - t0)} ms`);
      }
      if (c?.finish_reason) finish = c.finish_reason;
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
    history.push({ role: "assistant", content: reply });
    const secs = first ? (performance.now() - first) / 1000 : 0;
    const rate = secs > 0 ? tokens / secs : 0;
    setStats(`${tokens} tokens · ${rate.toFixed(1)} tok/s · first token ${first ? Math.round(first - t0) : "-"} ms · ${finish ?? "stopped"}`);
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = `${tokens} tokens, ${rate.toFixed(1)} tok/s, ${finish ?? "stopped"}`;
    out.append(meta);
  } catch (e) {
    if (e.name === "AbortError") {
      history.push({ role: "assistant", content: reply });
      setStats("stopped");
    } else {
      out.className = "msg error";
      out.textContent = `error: ${e.message}`;
      history.pop();
    }
  } finally {
    out.dataset.state = "done";
    controller = null;
    $("send").disabled = false;
    $("stop").disabled = true;
  }
}

$("composer").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("prompt").value.trim();
  if (!text || controller) return;
  $("prompt").value = "";
  void send(text);
});
$("prompt").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey) {
    ev.preventDefault();
    $("composer").requestSubmit();
  }
});
$("stop").addEventListener("click", () => controller?.abort());
$("clear").addEventListener("click", () => {
  history.length = 0;
  $("messages").replaceChildren();
  setStats("idle");
});
$("apikey").value = localStorage.getItem("weft-api-key") ?? "";
$("apikey").addEventListener("change", () => {
  localStorage.setItem("weft-api-key", $("apikey").value.trim());
  void loadModels();
});
void loadModels();
