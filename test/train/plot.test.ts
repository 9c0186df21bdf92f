// weft plot: a valid PNG of the requested size with both curves drawn; malformed metrics are named by line.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { lossChart, readLossSeries } from "../../src/train/plot.js";

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "weft-plot-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("loss chart", () => {
  it("encodes a PNG whose pixels contain the train and validation colours", () => {
    const p = join(dir, "m.jsonl");
    writeFileSync(p, Array.from({ length: 20 }, (_, i) => JSON.stringify({ step: i + 1, loss: 3 / (i + 1), ...(i % 5 === 4 ? { valLoss: 3.2 / (i + 1) } : {}) })).join("\n"));
    const png = lossChart(readLossSeries(p), 200, 120);
    assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
    assert.equal(png.readUInt32BE(16), 200);
    assert.equal(png.readUInt32BE(20), 120);
    const idatLen = png.readUInt32BE(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    assert.equal(raw.length, 120 * (1 + 200 * 3));
    const has = (r: number, g: number, b: number) => raw.some((v, i) => v === r && raw[i + 1] === g && raw[i + 2] === b);
    assert.ok(has(31, 119, 180) && has(255, 127, 14));
  });
  it("names a malformed line", () => {
    const p = join(dir, "bad.jsonl");
    writeFileSync(p, '{"step":1,"loss":2}\n{nope\n');
    assert.throws(() => readLossSeries(p), /bad\.jsonl:2: not valid JSON/);
  });
});
