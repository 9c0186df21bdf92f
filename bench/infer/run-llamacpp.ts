// Child process: the same measurement through llama.cpp (node-llama-cpp, CPU), printing JSON with peak RSS.
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const [path, promptLen, genLen, threads] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
const ctx = await model.createContext({ contextSize: promptLen + genLen + 16, threads, batchSize: promptLen, sequences: 1 });
const seq = ctx.getSequence();
const prompt = Array.from({ length: promptLen }, (_, i) => 1 + ((i * 7919) % 31000));
const t0 = performance.now();
await seq.evaluateWithoutGeneratingNewTokens(prompt as never);
const t1 = performance.now();
let n = 0;
for await (const _ of seq.evaluate([prompt[promptLen - 1]!] as never, { temperature: 0 })) if (++n >= genLen) break;
const t2 = performance.now();
process.stdout.write(JSON.stringify({
  prefill: promptLen / ((t1 - t0) / 1000), decode: genLen / ((t2 - t1) / 1000), rssMb: process.resourceUsage().maxRSS / 1024,
}) + "\n");
process.exit(0);
