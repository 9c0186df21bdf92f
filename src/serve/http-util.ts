// HTTP helpers: bounded JSON bodies, OpenAI error responses, Bearer auth with a timing-safe compare, CORS allow-list.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash, timingSafeEqual } from "node:crypto";
import { ApiError, badRequest } from "./errors.js";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data), ...headers });
  res.end(data);
}

export function sendError(res: ServerResponse, e: ApiError, headers: Record<string, string> = {}): void {
  sendJson(res, e.status, e.body(), headers);
}

/** Read a JSON body of at most `limit` bytes: 413 past it (the rest is not read), 400 when it is not JSON. */
export function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    const tooLarge = () => new ApiError(413, "invalid_request_error", `the request body is larger than ${limit} bytes`, null, "request_too_large");
    if (declared > limit) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0, done = false;
    req.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(JSON.parse(text));
      } catch (e) {
        reject(badRequest(`the request body is not valid JSON: ${(e as Error).message}`));
      }
    });
    req.on("error", (e) => {
      if (!done) reject(badRequest(`the request body could not be read: ${e.message}`));
      done = true;
    });
  });
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** True when `header` is "Bearer <key>"; compares digests with timingSafeEqual so timing reveals nothing of the key. */
export function authorized(header: string | undefined, key: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  const given = m ? m[1]!.trim() : "";
  return timingSafeEqual(digest(given), digest(key)) && m !== null;
}

/**
 * CORS: an Origin on the allow-list is answered with that exact origin (credentials allowed); "*" on the list allows
 * every origin without credentials. Any other origin gets no CORS headers. Returns whether the origin is allowed.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allow: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  res.setHeader("vary", "Origin");
  if (allow.includes(origin)) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-credentials", "true");
  } else if (allow.includes("*")) res.setHeader("access-control-allow-origin", "*");
  else return false;
  res.setHeader("access-control-expose-headers", "retry-after, x-request-id");
  return true;
}

export function preflight(res: ServerResponse, allowed: boolean): void {
  if (!allowed) {
    res.writeHead(403).end();
    return;
  }
  res.writeHead(204, {
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "authorization, content-type",
    "access-control-max-age": "600",
  });
  res.end();
}

/** Server-sent events: `data: JSON\n\n` frames and the closing `data: [DONE]`. */
export class SseWriter {
  private beat: NodeJS.Timeout | null = null;

  constructor(private readonly res: ServerResponse, heartbeatMs = 15_000) {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    res.flushHeaders();
    this.beat = setInterval(() => this.write(": keep-alive\n\n"), heartbeatMs);
    this.beat.unref();
  }

  private write(s: string): void {
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(s);
  }

  send(obj: unknown): void {
    this.write(`data: ${JSON.stringify(obj)}\n\n`);
  }

  end(): void {
    this.stop();
    this.write("data: [DONE]\n\n");
    if (!this.res.writableEnded) this.res.end();
  }

  stop(): void {
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
  }
}
