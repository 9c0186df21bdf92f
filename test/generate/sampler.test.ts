// Samplers and stop strings: filtering rules, penalties, seeded reproducibility, streaming stop matching.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Sampler } from "../../src/generate/sampler.js";
import { StopMatcher } from "../../src/generate/stop.js";
import { ArgumentError } from "../../src/util/errors.js";

const logits = () => Float32Array.from([1, 3, 2, 0.5, 2.9]);

function histogram(s: Sampler, n: number): Map<number, number> {
  const h = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const t = s.sample(logits(), []);
    h.set(t, (h.get(t) ?? 0) + 1);
  }
  return h;
}

describe("sampler", () => {
  it("temperature 0 is argmax", () => assert.equal(new Sampler({ temperature: 0 }).sample(logits(), []), 1));
  it("top-k 2 only ever picks the two best", () => {
    const h = histogram(new Sampler({ temperature: 1, topK: 2, topP: 1, minP: 0, seed: 1 }), 2000);
    assert.deepEqual([...h.keys()].sort(), [1, 4]);
  });
  it("min-p drops tokens below the fraction of the top probability", () => {
    // p ∝ exp(l): top is e^3; e^2/e^3 = 0.37 survives 0.3, e^1/e^3 = 0.14 does not
    const h = histogram(new Sampler({ temperature: 1, topK: 0, topP: 1, minP: 0.3, seed: 2 }), 2000);
    assert.deepEqual([...h.keys()].sort(), [1, 2, 4]);
  });
  it("top-p keeps the smallest prefix reaching the mass", () => {
    const h = histogram(new Sampler({ temperature: 1, topK: 0, topP: 0.5, minP: 0, seed: 3 }), 2000);
    assert.deepEqual([...h.keys()].sort(), [1, 4]);
  });
  it("frequencies follow the softmax", () => {
    const h = histogram(new Sampler({ temperature: 1, topK: 0, topP: 1, minP: 0, seed: 4 }), 20000);
    const z = [1, 3, 2, 0.5, 2.9].reduce((s, l) => s + Math.exp(l), 0);
    for (const [id, l] of [[1, 3], [2, 2]] as const) assert.ok(Math.abs(h.get(id)! / 20000 - Math.exp(l) / z) < 0.02);
  });
  it("the same seed gives the same draws", () => {
    const a = new Sampler({ temperature: 1, seed: 9 }), b = new Sampler({ temperature: 1, seed: 9 });
    for (let i = 0; i < 50; i++) assert.equal(a.sample(logits(), []), b.sample(logits(), []));
  });
  it("logit bias and repetition penalty change the argmax", () => {
    assert.equal(new Sampler({ temperature: 0, logitBias: { 0: 5 } }).sample(logits(), []), 0);
    assert.equal(new Sampler({ temperature: 0, repetitionPenalty: 2 }).sample(logits(), [1]), 4);
    assert.equal(new Sampler({ temperature: 0, presencePenalty: 1.5 }).sample(logits(), [1, 4]), 2);
  });
  it("bad options are typed errors", () => {
    assert.throws(() => new Sampler({ topP: 0 }), ArgumentError);
    assert.throws(() => new Sampler({ temperature: -1 }), ArgumentError);
  });
});

describe("stop strings", () => {
  it("holds back a possible prefix and cuts at the stop", () => {
    const m = new StopMatcher(["</end>"]);
    assert.deepEqual(m.push("hello </e"), { emit: "hello ", stopped: false });
    assert.deepEqual(m.push("nd> world"), { emit: "", stopped: true });
  });
  it("releases held text when the prefix does not continue", () => {
    const m = new StopMatcher(["ab"]);
    assert.deepEqual(m.push("xa"), { emit: "x", stopped: false });
    assert.deepEqual(m.push("c"), { emit: "ac", stopped: false });
    assert.equal(m.flush(), "");
  });
});
