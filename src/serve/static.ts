// The web playground's static files (src/serve/playground/), read once and served by weft itself at /.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ServerResponse } from "node:http";

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/playground.js": { file: "playground.js", type: "text/javascript; charset=utf-8" },
  "/playground.css": { file: "playground.css", type: "text/css; charset=utf-8" },
};

/** The folder next to this module in the source tree (dist/src/serve -> src/serve/playground). */
function folder(): string | null {
  for (const rel of ["../../../src/serve/playground/", "./playground/"]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return null;
}

const cache = new Map<string, Buffer>();

/** Serve a playground file for GET `path`; false when the path is not one. */
export function serveStatic(path: string, res: ServerResponse): boolean {
  const f = FILES[path];
  if (!f) return false;
  let body = cache.get(f.file);
  if (!body) {
    const dir = folder();
    if (!dir) {
      res.writeHead(404, { "content-type": "text/plain" }).end("the playground files are missing from this installation\n");
      return true;
    }
    body = readFileSync(dir + f.file);
    cache.set(f.file, body);
  }
  res.writeHead(200, {
    "content-type": f.type, "content-length": body.length, "cache-control": "no-cache", "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  });
  res.end(body);
  return true;
}
