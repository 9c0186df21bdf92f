// npm run bench:train: tokens/s of a full training step (forward, backward, AdamW; batch 8 x 256) for llama shapes
// ~15M and ~110M, and LoRA on the 110M, with peak RSS; PyTorch (Debian python3-torch) runs the same in the same run.
// Flags: --shapes 15M,110M --steps 3 --threads 2
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

interface Run { secondsPerStep: number; tokensPerS: number; rssMb: number }

const { values } = parseArgs({ options: {
  shapes: { type: "string", default: "15M,110M" }, steps: { type: "string", default: "3" }, threads: { type: "string", default: "2" },
} });
const here = new URL(".", import.meta.url).pathname;

function weft(shape: string, mode: string): Run {
  const r = spawnSync(process.execPath, [`${here}train/step.js`, shape, mode, values.steps!, values.threads!], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Run;
}

/** PyTorch's best of 1 and 2 threads (OMP_WAIT_POLICY=PASSIVE), or null when torch is not installed. */
function torch(shape: string, mode: string): Run | null {
  const runs: Run[] = [];
  for (const t of new Set(["1", values.threads!])) {
    const r = spawnSync("/usr/bin/python3", [`${here}../../bench/harness/train_torch.py`, shape, mode, values.steps!, t],
      { encoding: "utf8", env: { ...process.env, OMP_WAIT_POLICY: "PASSIVE" } });
    if (r.status !== 0) return null;
    runs.push(JSON.parse(r.stdout.trim().split("\n").pop()!) as Run);
  }
  return runs.reduce((a, b) => (b.tokensPerS > a.tokensPerS ? b : a));
}

const f = (x: number) => x.toFixed(1);
console.log("| shape | mode | weft tok/s | PyTorch tok/s | ratio | weft s/step | weft RSS MB | PyTorch RSS MB |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
const results = new Map<string, Run>();
for (const shape of values.shapes!.split(",")) {
  for (const mode of shape === "110M" ? ["full", "lora"] : ["full"]) {
    const w = weft(shape, mode), t = torch(shape, mode);
    results.set(`${shape}/${mode}`, w);
    console.log(`| ${shape} | ${mode} | ${f(w.tokensPerS)} | ${t ? f(t.tokensPerS) : "n/a"} | ${t ? (w.tokensPerS / t.tokensPerS).toFixed(2) : "n/a"} | ` +
      `${w.secondsPerStep.toFixed(2)} | ${f(w.rssMb)} | ${t ? f(t.rssMb) : "n/a"} |`);
  }
}
const full = results.get("110M/full"), lora = results.get("110M/lora");
if (full && lora) {
  console.log(`\nLoRA vs full fine-tuning (110M): peak memory ${(lora.rssMb / full.rssMb * 100).toFixed(0)}%, step time ${(lora.secondsPerStep / full.secondsPerStep * 100).toFixed(0)}%`);
}
