// Checkpoints: a run killed with SIGKILL halfway and resumed ends bit-identical to an uninterrupted run.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGgufFile } from "../../src/formats/gguf/index.js";
import { repoRoot } from "../helpers/fixtures.js";

const WEFT = join(repoRoot, "bin/weft.js");
let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "weft-resume-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = { model: { dim: 32, nLayer: 2, nHead: 4, ffnDim: 64, vocabSize: 280 }, data: "synthetic:stories:200:3",
  seqLen: 32, batchSize: 4, steps: 16, lr: 3e-3, warmupSteps: 2, checkpointEvery: 1, evalEvery: 0, seed: 5 };

/** Run `weft train` and SIGKILL it as soon as step `killAt` is reported. */
function runUntilKilled(cfgPath: string, out: string, killAt: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WEFT, "train", "--config", cfgPath, "--out", out, "--json"], { stdio: ["ignore", "pipe", "ignore"] });
    let buf = "", seen = 0;
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split("\n").slice(0, -1)) seen = Math.max(seen, JSON.parse(line).step);
      buf = buf.slice(buf.lastIndexOf("\n") + 1);
      if (seen >= killAt) child.kill("SIGKILL");
    });
    child.on("exit", () => resolve(seen));
  });
}

describe("resume", () => {
  it("N/2 steps + SIGKILL + --resume equals N steps straight", async () => {
    const cfgPath = join(dir, "cfg.json");
    writeFileSync(cfgPath, JSON.stringify(config));
    const straight = spawnSync(process.execPath, [WEFT, "train", "--config", cfgPath, "--out", join(dir, "a")], { encoding: "utf8" });
    assert.equal(straight.status, 0, straight.stderr);
    const reached = await runUntilKilled(cfgPath, join(dir, "b"), 8);
    assert.ok(reached >= 8 && reached < 16, `killed after step ${reached}`);
    const resumed = spawnSync(process.execPath, [WEFT, "train", "--config", cfgPath, "--out", join(dir, "b"), "--resume", "--json"], { encoding: "utf8" });
    assert.equal(resumed.status, 0, resumed.stderr);
    // it really continued: its first step follows a saved one, past the kill point's checkpoint
    const firstStep = JSON.parse(resumed.stdout.split("\n")[0]!).step as number;
    assert.ok(firstStep > 8 && firstStep <= reached + 1, `resumed at step ${firstStep} after a kill at ${reached}`);
    const [a, b] = [readGgufFile(join(dir, "a", "model.gguf")), readGgufFile(join(dir, "b", "model.gguf"))];
    for (const t of a.tensors) assert.deepEqual(b.tensorData(t.name), a.tensorData(t.name), `tensor ${t.name} differs`);
  });
});
