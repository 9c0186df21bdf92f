// Long safetensors fuzz run: `node dist/bench/safetensors-fuzz.js [cases=1000000] [seed=1]`; prints outcome counts and limits.
import { fuzz, fuzzIndex, fuzzSeeds, newStats, timeCase } from "../test/formats/safetensors/fuzz-lib.js";

const cases = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const seeds = fuzzSeeds();
const stats = newStats();
const chunk = 50_000;
const t0 = performance.now();
for (let done = 0, i = 0; done < cases; done += chunk, i++) {
  fuzz(seeds, Math.min(chunk, cases - done), seed * 1_000_003 + i, stats);
  const s = (performance.now() - t0) / 1000;
  process.stderr.write(`\r${stats.cases} cases, ${stats.failures.length} failures, ${s.toFixed(0)} s`);
}
const secs = (performance.now() - t0) / 1000;
process.stderr.write("\n");
const indexCases = Math.max(1, Math.round(cases / 10));
const t1 = performance.now();
const index = fuzzIndex(indexCases, seed);
const indexSecs = (performance.now() - t1) / 1000;
const top = [...stats.rejectedByMessage].sort((a, b) => b[1] - a[1]);
console.log(`safetensors fuzz: seeds ${seeds.map((s) => `${s.name} (${s.bytes.length} B)`).join(", ")}`);
console.log(`cases ${stats.cases} in ${secs.toFixed(1)} s (${Math.round(stats.cases / secs)}/s), PRNG seed ${seed}`);
console.log(`parsed ${stats.parsed} (decoded and round-tripped ${stats.roundTrips})`);
console.log(`rejected ${JSON.stringify(Object.fromEntries(stats.rejectedByClass))}, ${top.length} distinct message shapes`);
console.log(`failures (non-WeftError throws, broken invariants, round-trip changes): ${stats.failures.length}`);
for (const f of stats.failures.slice(0, 5)) console.log(`  ${f}`);
console.log(`slowest case ${stats.maxCaseMs.toFixed(1)} ms; peak heap+buffers ${stats.peakMemoryMB.toFixed(0)} MB; ` +
  `max retained/file size ${stats.maxFootprintRatio.toFixed(2)}`);
if (stats.slowest) {
  console.log(`slowest case again alone: median ${timeCase(stats.slowest).toFixed(3)} ms over 101 runs (${stats.slowest.length} B input)`);
}
console.log(`index fuzz: ${index.cases} cases in ${indexSecs.toFixed(1)} s, parsed ${index.parsed}, rejected ` +
  `${JSON.stringify(Object.fromEntries(index.rejectedByClass))} in ${index.rejectedByMessage.size} shapes, failures ${index.failures.length}`);
for (const f of index.failures.slice(0, 5)) console.log(`  ${f}`);
console.log("top rejection messages:");
for (const [m, n] of top.slice(0, 20)) console.log(`  ${String(n).padStart(8)}  ${m}`);
process.exitCode = stats.failures.length + index.failures.length ? 1 : 0;
