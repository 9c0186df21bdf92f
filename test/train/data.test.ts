// Data loading: record forms and their loss masks, malformed files named by line, packing, the synthetic corpus.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packRows, readRecords, toExamples, trainValSplit } from "../../src/train/data.js";
import { parseSyntheticSpec, syntheticCorpus } from "../../src/train/corpus.js";
import { tokenizerFromGguf } from "../../src/tokenizers/index.js";
import { syntheticVocab } from "../../src/compress/export-gguf.js";
import { FormatError } from "../../src/util/errors.js";

const tok = tokenizerFromGguf(syntheticVocab(300) as Map<string, unknown>);
let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "weft-data-"))));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("training data", () => {
  it("prompt/completion trains only on the completion (and EOS)", () => {
    const [ex] = toExamples([{ prompt: "ab", completion: "cd" }], tok);
    assert.equal(ex!.ids[0], tok.bos);
    const trained = ex!.ids.filter((_, i) => ex!.train[i]);
    // the whole text is encoded once; tokens past the prompt's own encoding train
    const joint = tok.encode("abcd", { addBos: false }), prompt = tok.encode("ab", { addBos: false });
    assert.deepEqual(ex!.ids.slice(1, -1), joint);
    assert.deepEqual(trained, [...joint.slice(prompt.length), tok.eos]);
  });
  it("messages train on assistant turns only", () => {
    const [ex] = toExamples([{ messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "yo" }] }], tok);
    const text = tok.decode(ex!.ids.filter((_, i) => ex!.train[i]), { skipSpecial: true });
    assert.match(text, /assistant: yo/);
    assert.doesNotMatch(text, /user/);
  });
  it("JSONL errors name the file and line; empty files are refused", () => {
    const p = file("bad.jsonl", '{"text": "ok"}\n\n{"text": 5}\n');
    assert.throws(() => readRecords(p), (e: unknown) => e instanceof FormatError && /bad\.jsonl:3: expected a 'text' string/.test((e as Error).message));
    assert.throws(() => readRecords(file("broken.jsonl", '{"text": "ok"}\n{oops\n')), /broken\.jsonl:2: not valid JSON/);
    assert.throws(() => readRecords(file("empty.txt", "  \n")), /is empty/);
    assert.throws(() => readRecords(file("none.jsonl", "\n\n")), /has no records/);
    assert.deepEqual(readRecords(file("a.txt", "hello")), [{ text: "hello" }]);
  });
  it("packing cuts rows of T with shifted targets and masks", () => {
    const rows = packRows([{ ids: [1, 2, 3, 4, 5, 6, 7], train: [true, false, true, true, true, true, true] }], 3);
    assert.equal(rows.length, 2);
    assert.deepEqual(Array.from(rows[0]!.input), [1, 2, 3]);
    assert.deepEqual(Array.from(rows[0]!.target), [-100, 3, 4]);
    assert.deepEqual(Array.from(rows[1]!.input), [4, 5, 6]);
  });
  it("split is seeded and keeps both sides non-empty", () => {
    const { train, val } = trainValSplit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.2, 3);
    assert.equal(val.length, 2);
    assert.deepEqual([...train, ...val].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(trainValSplit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.2, 3), { train, val });
  });
  it("the synthetic corpus is reproducible and its answers are right", () => {
    assert.deepEqual(syntheticCorpus("stories", 3, 1), syntheticCorpus("stories", 3, 1));
    for (const r of syntheticCorpus("instructions", 50, 2)) {
      const rec = r as { prompt: string; completion: string };
      const add = /^Add (\d+) and (\d+)/.exec(rec.prompt);
      if (add) assert.equal(rec.completion, String(Number(add[1]) + Number(add[2])));
    }
    assert.deepEqual(parseSyntheticSpec("synthetic:translation:100:7"), { kind: "translation", n: 100, seed: 7 });
    assert.equal(parseSyntheticSpec("data.jsonl"), null);
    assert.throws(() => parseSyntheticSpec("synthetic:poems:3"), /must look like/);
  });
});
