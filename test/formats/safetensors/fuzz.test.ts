// Mutation fuzz of the safetensors reader (50,000 cases) and index parser (5,000): each parses or throws a WeftError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzz, fuzzIndex, fuzzSeeds } from "./fuzz-lib.js";

test("safetensors fuzz: 50,000 mutated files parse (then decode and round-trip) or throw WeftError, fast, in bounded memory", { timeout: 120_000 }, () => {
  const seeds = fuzzSeeds();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const stats = fuzz(seeds, 50_000, 0x5afe);
  const ms = performance.now() - t0;
  const top = [...stats.rejectedByMessage].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`safetensors fuzz: ${stats.cases} cases over ${seeds.length} seeds in ${(ms / 1000).toFixed(1)} s: ` +
    `${stats.parsed} parsed (${stats.roundTrips} round-tripped), rejected ${JSON.stringify(Object.fromEntries(stats.rejectedByClass))} ` +
    `in ${stats.rejectedByMessage.size} message shapes; max case ${stats.maxCaseMs.toFixed(1)} ms; ` +
    `peak heap+buffers ${stats.peakMemoryMB.toFixed(0)} MB; max footprint/file ${stats.maxFootprintRatio.toFixed(2)}\n` +
    top.map(([m, n]) => `  ${n}\t${m}`).join("\n"));
  assert.deepEqual(stats.failures.slice(0, 5), []);
  assert.equal(stats.cases, 50_000);
  assert.ok(stats.parsed > 1000 && stats.rejectedByMessage.size > 40, "the mutations reach both outcomes and many checks");
  assert.equal(stats.roundTrips, stats.parsed);
  assert.ok(stats.maxCaseMs < 500, `slowest case took ${stats.maxCaseMs} ms`);
  assert.ok(stats.maxFootprintRatio < 8, `a parse kept ${stats.maxFootprintRatio}x its file size`);
  const baseMB = (before.heapUsed + before.arrayBuffers) / 2 ** 20;
  assert.ok(stats.peakMemoryMB < baseMB + 128, `peak ${stats.peakMemoryMB} MB vs ${baseMB} MB at the start`);
});

test("safetensors index fuzz: 5,000 mutated index files parse or throw WeftError", () => {
  const stats = fuzzIndex(5_000, 0x1dea);
  console.log(`index fuzz: ${stats.cases} cases: ${stats.parsed} parsed, rejected ${JSON.stringify(Object.fromEntries(stats.rejectedByClass))} ` +
    `in ${stats.rejectedByMessage.size} message shapes`);
  assert.deepEqual(stats.failures.slice(0, 5), []);
  assert.ok(stats.parsed > 100 && stats.rejectedByMessage.size > 10);
});
