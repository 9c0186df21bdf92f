// Sharded checkpoints: HF layout round trips, transformers' index text, atomic switches, one crafted folder per failure class.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  INDEX_FILE, planShards, readCheckpointFolder, serializeSafetensors, StTensorToWrite, writeSafetensorsFile, writeShardedCheckpoint,
} from "../../../src/formats/safetensors/index.js";
import { ArgumentError, FormatError } from "../../../src/util/errors.js";
import { bytesOf } from "./samples.js";

function tensors(n: number, floats = 4): StTensorToWrite[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `layers.${i}.w`, dtype: "F32", shape: [floats], data: bytesOf(Float32Array.from({ length: floats }, (_, j) => i * 10 + j)),
  }));
}

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "weft-ckpt-"));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ls = (dir: string) => readdirSync(dir).sort();

test("checkpoint: shards split like huggingface_hub (in order; a big tensor gets its own shard)", () => {
  const sizes = (groups: StTensorToWrite[][]) => groups.map((g) => g.map((t) => t.data.length));
  const t = (n: number): StTensorToWrite => ({ name: `t${n}`, dtype: "U8", shape: [n], data: new Uint8Array(n) });
  assert.deepEqual(sizes(planShards([t(4), t(4), t(4)], 8)), [[4, 4], [4]]);
  // As in huggingface_hub, the oversized tensor's shard is closed at once, before the one being filled.
  assert.deepEqual(sizes(planShards([t(4), t(20), t(4), t(3)], 8)), [[20], [4, 4], [3]]);
  assert.deepEqual(sizes(planShards([t(8), t(0), t(1)], 8)), [[8, 0], [1]]);
  assert.deepEqual(sizes(planShards([], 8)), [[]]);
});

test("checkpoint: sharded write and read back; index text as transformers writes it", () => withDir((dir) => {
  const ts = tensors(5);
  writeShardedCheckpoint(dir, ts, { maxShardBytes: 32, metadata: { format: "pt" } });
  assert.deepEqual(ls(dir), ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", INDEX_FILE]);
  const index = readFileSync(join(dir, INDEX_FILE), "utf8");
  assert.equal(index, `{
  "metadata": {
    "total_size": 80
  },
  "weight_map": {
    "layers.0.w": "model-00001-of-00003.safetensors",
    "layers.1.w": "model-00001-of-00003.safetensors",
    "layers.2.w": "model-00002-of-00003.safetensors",
    "layers.3.w": "model-00002-of-00003.safetensors",
    "layers.4.w": "model-00003-of-00003.safetensors"
  }
}
`);
  const ck = readCheckpointFolder(dir);
  assert.deepEqual(ck.names, ts.map((t) => t.name));
  assert.deepEqual(ck.indexMetadata, { total_size: 80 });
  assert.equal(ck.files.size, 3);
  for (const t of ts) {
    assert.deepEqual(ck.tensorData(t.name), t.data);
    assert.deepEqual(ck.info(t.name).shape, [4]);
  }
  assert.equal(ck.tensorFile.get("layers.4.w"), "model-00003-of-00003.safetensors");
  assert.deepEqual(ck.files.get("model-00001-of-00003.safetensors")!.metadata, { format: "pt" });
  assert.throws(() => ck.info("nope"), /no tensor named 'nope'/);
}));

test("checkpoint: index keys sorted by code point and escaped to ASCII like Python's json.dumps", () => withDir((dir) => {
  const t = (name: string): StTensorToWrite => ({ name, dtype: "U8", shape: [8], data: new Uint8Array(8) });
  writeShardedCheckpoint(dir, [t("é"), t("\u{1f600}"), t("\uffff"), t("10"), t("9"), t("a\"\\\n\u007f")], { maxShardBytes: 8 });
  const lines = readFileSync(join(dir, INDEX_FILE), "utf8").split("\n").filter((l) => l.startsWith("    \"")).slice(1);
  assert.deepEqual(lines.map((l) => l.slice(4, l.indexOf(": "))), [
    '"10"', '"9"', '"a\\"\\\\\\n\\u007f"', '"\\u00e9"', '"\\uffff"', '"\\ud83d\\ude00"']);
  assert.equal(readCheckpointFolder(dir).names.length, 6);
}));

test("checkpoint: one shard means model.safetensors and no index; switching layouts removes the old files only", () => withDir((dir) => {
  writeFileSync(join(dir, "config.json"), "{}");
  writeShardedCheckpoint(dir, tensors(2), { maxShardBytes: 1 << 20 });
  assert.deepEqual(ls(dir), ["config.json", "model.safetensors"]);
  assert.deepEqual(readCheckpointFolder(dir).indexMetadata, {});
  writeShardedCheckpoint(dir, tensors(3), { maxShardBytes: 16 });
  assert.deepEqual(ls(dir), ["config.json", "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", INDEX_FILE]);
  // Same shard count again: the live shards are not overwritten; the new ones get other names, the old ones go.
  writeShardedCheckpoint(dir, tensors(3, 2), { maxShardBytes: 8 });
  assert.deepEqual(ls(dir), ["config.json", "model-00001-of-00003-v1.safetensors", "model-00002-of-00003-v1.safetensors", "model-00003-of-00003-v1.safetensors", INDEX_FILE]);
  assert.deepEqual(readCheckpointFolder(dir).info("layers.2.w").shape, [2]);
  writeShardedCheckpoint(dir, tensors(3), { maxShardBytes: 16 });
  assert.deepEqual(ls(dir).filter((n) => n.includes("-v1")), []);
  writeShardedCheckpoint(dir, tensors(1), { maxShardBytes: 16 });
  assert.deepEqual(ls(dir), ["config.json", "model.safetensors"]);
  assert.deepEqual(readCheckpointFolder(dir).names, ["layers.0.w"]);
}));

test("checkpoint: mid-switch states still load as one whole checkpoint", () => withDir((dir) => {
  // A crash after the new index is written but before the old model.safetensors is removed: the old file wins.
  writeSafetensorsFile(join(dir, "model.safetensors"), tensors(1));
  const other = join(dir, "new");
  writeShardedCheckpoint(other, tensors(3), { maxShardBytes: 16 });
  for (const n of readdirSync(other)) writeFileSync(join(dir, n), readFileSync(join(other, n)));
  rmSync(other, { recursive: true });
  assert.deepEqual(readCheckpointFolder(dir).names, ["layers.0.w"]);
  // The next write finishes the switch cleanly.
  writeShardedCheckpoint(dir, tensors(3), { maxShardBytes: 16 });
  assert.ok(!ls(dir).includes("model.safetensors"));
  assert.equal(readCheckpointFolder(dir).names.length, 3);
}));

test("checkpoint writer refuses bad options and tensors before touching the folder", () => withDir((dir) => {
  assert.throws(() => writeShardedCheckpoint(dir, tensors(2), { maxShardBytes: 0 }), /maxShardBytes 0 is not a positive integer/);
  assert.throws(() => writeShardedCheckpoint(dir, [...tensors(2), ...tensors(1)], { maxShardBytes: 8 }), ArgumentError);
  assert.throws(() => writeShardedCheckpoint(dir, [{ ...tensors(1)[0]!, shape: [5] }], { maxShardBytes: 8 }), /needs 20 bytes but data has 16/);
  assert.deepEqual(ls(dir), []);
}));

function indexed(dir: string, weightMap: Record<string, string>, shards: Record<string, StTensorToWrite[]> = {}): void {
  for (const [name, ts] of Object.entries(shards)) writeFileSync(join(dir, name), serializeSafetensors(ts));
  writeFileSync(join(dir, INDEX_FILE), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
}

test("checkpoint: each malformed folder gives a FormatError naming the file and tensor", () => {
  const [a, b] = tensors(2) as [StTensorToWrite, StTensorToWrite];
  const cases: [string, (dir: string) => void, RegExp][] = [
    ["no checkpoint", () => {}, /has no model.safetensors or model.safetensors.index.json/],
    ["missing shard", (d) => indexed(d, { [a.name]: "s1.safetensors" }), /shard for tensor 'layers.0.w' 's1.safetensors' is missing/],
    ["parent path", (d) => indexed(d, { [a.name]: "../s1.safetensors" }), /'..\/s1.safetensors' leaves the folder/],
    ["nested parent path", (d) => indexed(d, { [a.name]: "sub/../../s1.safetensors" }), /leaves the folder/],
    ["absolute path", (d) => indexed(d, { [a.name]: "/etc/passwd" }), /'\/etc\/passwd' is an absolute path/],
    ["empty name", (d) => indexed(d, { [a.name]: "" }), /is "", not a file name/],
    ["symlink out", (d) => {
      const outside = `${d}.out`;
      mkdirSync(outside);
      writeFileSync(join(outside, "s.safetensors"), serializeSafetensors([a]));
      symlinkSync(join(outside, "s.safetensors"), join(d, "s1.safetensors"));
      indexed(d, { [a.name]: "s1.safetensors" });
    }, /'s1.safetensors' is a link to .*, outside the folder/],
    ["tensor missing from its shard", (d) => indexed(d, { [a.name]: "s1.safetensors", [b.name]: "s1.safetensors" }, { "s1.safetensors": [a] }), /tensor 'layers.1.w' is not in its shard 's1.safetensors'/],
    ["tensor in another shard", (d) => indexed(d, { [a.name]: "s1.safetensors", [b.name]: "s2.safetensors" }, { "s1.safetensors": [a, b], "s2.safetensors": [b] }), /shard 's1.safetensors' holds tensor 'layers.1.w', which the index puts in 's2.safetensors'/],
    ["unlisted tensor", (d) => indexed(d, { [a.name]: "s1.safetensors" }, { "s1.safetensors": [a, b] }), /holds tensor 'layers.1.w', which the index does not list/],
    ["broken shard", (d) => { indexed(d, { [a.name]: "s1.safetensors" }); writeFileSync(join(d, "s1.safetensors"), "x"); }, /\[safetensors\] .*s1.safetensors: file is 1 bytes/],
    ["index not JSON", (d) => writeFileSync(join(d, INDEX_FILE), "{\"weight_map\": {"), /\[safetensors.index\] .*index.json: index is not valid JSON/],
    ["index without weight_map", (d) => writeFileSync(join(d, INDEX_FILE), "{\"metadata\": {}}"), /index has no weight_map/],
    ["weight_map value not a string", (d) => writeFileSync(join(d, INDEX_FILE), "{\"weight_map\": {\"a\": 1}}"), /weight_map entry for tensor 'a' must be a string but is a number/],
    ["duplicate weight_map key", (d) => writeFileSync(join(d, INDEX_FILE), "{\"weight_map\": {\"a\": \"x\", \"a\": \"y\"}}"), /weight_map has key 'a' twice/],
    ["index not UTF-8", (d) => writeFileSync(join(d, INDEX_FILE), Uint8Array.of(0x7b, 0xff, 0x7d)), /index is not valid UTF-8/],
    ["deeply nested index metadata", (d) => writeFileSync(join(d, INDEX_FILE), `{"metadata": {"x": ${"[".repeat(100)}${"]".repeat(100)}}, "weight_map": {}}`), /nests deeper than 64 levels/],
  ];
  for (const [label, setup, re] of cases) {
    withDir((dir) => {
      try {
        setup(dir);
        assert.throws(() => readCheckpointFolder(dir), (e: unknown) => {
          assert.ok(e instanceof FormatError, `${label}: ${String(e)}`);
          assert.match(e.message, re, label);
          return true;
        });
      } finally {
        rmSync(`${dir}.out`, { recursive: true, force: true });
      }
    });
  }
  assert.throws(() => readCheckpointFolder("/nonexistent/weft"), ArgumentError);
});

test("checkpoint: symlinks inside the folder, and Hugging Face cache snapshots linking into blobs/, are allowed", () => withDir((root) => {
  const [a] = tensors(1) as [StTensorToWrite];
  mkdirSync(join(root, "blobs"));
  const snap = join(root, "snapshots", "abc123");
  mkdirSync(snap, { recursive: true });
  writeFileSync(join(root, "blobs", "deadbeef"), serializeSafetensors([a]));
  symlinkSync("../../blobs/deadbeef", join(snap, "model.safetensors"));
  assert.deepEqual(readCheckpointFolder(snap).names, [a.name]);
  const flat = join(root, "flat");
  mkdirSync(flat);
  writeFileSync(join(flat, "real.safetensors"), serializeSafetensors([a]));
  symlinkSync("real.safetensors", join(flat, "s1.safetensors"));
  indexed(flat, { [a.name]: "s1.safetensors" });
  assert.deepEqual(readCheckpointFolder(flat).names, [a.name]);
  // A folder with one other safetensors file (a PEFT adapter) reads too.
  const adapter = join(root, "adapter");
  mkdirSync(adapter);
  writeFileSync(join(adapter, "adapter_model.safetensors"), serializeSafetensors([a]));
  assert.deepEqual(readCheckpointFolder(adapter).tensorFile.get(a.name), "adapter_model.safetensors");
}));
