// Mutation fuzz of the GGUF reader: 100,000 seeded cases, each parses or throws a WeftError, quickly, in bounded memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzz, fuzzSeeds } from "./fuzz-lib.js";

test("gguf fuzz: 100,000 mutated files parse or throw WeftError, fast and in bounded memory", { timeout: 180_000 }, () => {
  const seeds = fuzzSeeds();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const stats = fuzz(seeds, 100_000, 0x5eed);
  const ms = performance.now() - t0;
  const top = [...stats.rejectedByMessage].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`gguf fuzz: ${stats.cases} cases over ${seeds.length} seeds in ${(ms / 1000).toFixed(1)} s: ` +
    `${stats.parsed} parsed (${stats.validated} validated, ${stats.roundTrips} round-tripped), ` +
    `rejected ${JSON.stringify(Object.fromEntries(stats.rejectedByClass))}; max case ${stats.maxCaseMs.toFixed(1)} ms; ` +
    `peak heap+buffers ${stats.peakMemoryMB.toFixed(0)} MB; max footprint/file ${stats.maxFootprintRatio.toFixed(2)}\n` +
    top.map(([m, n]) => `  ${n}\t${m}`).join("\n"));
  assert.deepEqual(stats.failures.slice(0, 5), []);
  assert.equal(stats.cases, 100_000);
  assert.ok(stats.parsed > 100 && stats.rejectedByMessage.size > 20, "the mutations reach both outcomes and many checks");
  assert.ok(stats.maxCaseMs < 1000, `slowest case took ${stats.maxCaseMs} ms`);
  assert.ok(stats.maxFootprintRatio < 32, `a parse kept ${stats.maxFootprintRatio}x its file size`);
  const baseMB = (before.heapUsed + before.arrayBuffers) / 2 ** 20;
  assert.ok(stats.peakMemoryMB < baseMB + 256, `peak ${stats.peakMemoryMB} MB vs ${baseMB} MB at the start`);
});
