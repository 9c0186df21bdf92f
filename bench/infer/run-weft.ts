// Child process: load a GGUF in weft, time a 128-token prefill and 128 decode steps, print JSON with peak RSS.
import { load } from "../../src/load/index.js";
import { noGrad } from "../../src/core/autograd.js";
import { setThreads } from "../../src/backend/registry.js";
import { argmax } from "../../src/generate/sampler.js";

const [path, promptLen, genLen, threads] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
setThreads(threads);
const { model } = load(path);
const prompt = Int32Array.from({ length: promptLen }, (_, i) => 1 + ((i * 7919) % 31000));
const cache = model.makeCache(promptLen + genLen + 1);
const t0 = performance.now();
let logits = noGrad(() => model.forward(prompt, cache)).f32();
const t1 = performance.now();
for (let i = 0; i < genLen; i++) logits = noGrad(() => model.forward(Int32Array.of(argmax(logits)), cache)).f32();
const t2 = performance.now();
process.stdout.write(JSON.stringify({
  prefill: promptLen / ((t1 - t0) / 1000), decode: genLen / ((t2 - t1) / 1000), rssMb: process.resourceUsage().maxRSS / 1024,
}) + "\n");
