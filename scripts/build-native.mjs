#!/usr/bin/env node
// Builds the native addon (build/Release/weft.node) with the node-gyp in node_modules. It is the package's
// `install` script, so it never fails an install: without a C++ compiler, or when the build fails, it prints
// ONE warning and exits 0, and weft runs on the TypeScript reference backend.
// Usage: node scripts/build-native.mjs [--force]
//   --force  rebuild even when the addon is newer than its sources, and exit 1 when the build fails
//            (what `npm run build:native` runs). WEFT_SKIP_NATIVE=1 skips the build.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const force = process.argv.includes("--force");
const addon = join(root, "build", "Release", "weft.node");

function warn(reason) {
  console.warn(`weft: native addon not built (${reason}); using the TypeScript reference backend`);
  process.exit(force ? 1 : 0);
}

/** Newest modification time under the addon's sources. */
function newestSource() {
  let newest = statSync(join(root, "binding.gyp")).mtimeMs;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, "native"));
  return newest;
}

/** A C++ compiler answers --version. */
function compiler() {
  const cxx = process.env.CXX || "c++";
  const r = spawnSync(cxx, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? cxx : null;
}

/** node-gyp's CLI from this package's dependencies. */
function nodeGyp() {
  const local = join(root, "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (existsSync(local)) return local;
  try {
    return createRequire(join(root, "package.json")).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    return null;
  }
}

/** Node's own headers, so node-gyp never tries to download them (npm usually passes npm_config_nodedir). */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

if (process.env.WEFT_SKIP_NATIVE === "1") warn("WEFT_SKIP_NATIVE=1");
if (!force && existsSync(addon) && statSync(addon).mtimeMs > newestSource()) {
  console.log("weft: native addon is up to date (build/Release/weft.node)");
  process.exit(0);
}
const cxx = compiler();
if (!cxx) warn(`no C++ compiler: '${process.env.CXX || "c++"} --version' failed`);
const gyp = nodeGyp();
if (!gyp) warn("node-gyp is not installed in node_modules");

const args = [gyp, "rebuild", "--jobs=max", ...nodedirArgs()];
const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
if (r.status !== 0) {
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n");
  const errors = out.filter((l) => /error/i.test(l)).slice(0, 12);
  process.stderr.write(`${(errors.length ? errors : out.slice(-12)).join("\n")}\n`);
  warn(r.error ? r.error.message : `node-gyp exited with ${r.status}`);
}
try {
  const mod = createRequire(import.meta.url)(addon);
  console.log(`weft: native addon built (${mod.simd}, build/Release/weft.node)`);
} catch (e) {
  warn(`the built addon fails to load: ${e.message}`);
}
