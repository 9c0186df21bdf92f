#!/usr/bin/env node
// Prints source lines per folder (like tinygrad's sz.py), largest files flagged over 400 lines.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, dirname } from "node:path";

const roots = ["src", "native", "test", "bench", "scripts"];
const exts = [".ts", ".mjs", ".js", ".cpp", ".h", ".hpp", ".c"];
const perDir = new Map();
const big = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { walk(p); continue; }
    if (!exts.some((e) => name.endsWith(e))) continue;
    const n = readFileSync(p, "utf8").split("\n").length;
    perDir.set(dirname(p), (perDir.get(dirname(p)) ?? 0) + n);
    if (n > 400) big.push([p, n]);
  }
}
roots.forEach(walk);
let total = 0;
for (const [d, n] of [...perDir].sort()) { console.log(`${String(n).padStart(7)}  ${d}`); total += n; }
console.log(`${String(total).padStart(7)}  total`);
for (const [p, n] of big) console.log(`over 400 lines: ${p} (${n})`);
