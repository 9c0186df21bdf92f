// hf: model specs resolve offline from a Hugging Face cache folder built in the standard layout.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseHfSpec, resolveModelPath } from "../../src/load/hf-cache.js";
import { load } from "../../src/load/index.js";
import { fixturePath, missingFixture } from "../helpers/fixtures.js";

let cache = "";
before(() => (cache = mkdtempSync(join(tmpdir(), "weft-hfcache-"))));
after(() => rmSync(cache, { recursive: true, force: true }));

/** models--ORG--REPO/{refs/main, blobs/<sha>, snapshots/<commit>/<file> -> ../../blobs/<sha>} */
function cacheRepo(repo: string, files: Record<string, string>): void {
  const root = join(cache, `models--${repo.replace("/", "--")}`), commit = "0123456789abcdef0123456789abcdef01234567";
  mkdirSync(join(root, "refs"), { recursive: true });
  mkdirSync(join(root, "blobs"), { recursive: true });
  mkdirSync(join(root, "snapshots", commit), { recursive: true });
  writeFileSync(join(root, "refs", "main"), commit);
  Object.entries(files).forEach(([name, src], i) => {
    const blob = join(root, "blobs", `blob${i}`);
    copyFileSync(src, blob);
    symlinkSync(`../../blobs/blob${i}`, join(root, "snapshots", commit, name));
  });
}

describe("hf cache specs", () => {
  it("parses specs and refuses malformed ones", () => {
    assert.deepEqual(parseHfSpec("hf:org/repo:model.gguf"), { repo: "org/repo", file: "model.gguf", revision: "main" });
    assert.deepEqual(parseHfSpec("hf:org/repo@v1"), { repo: "org/repo", file: undefined, revision: "v1" });
    assert.equal(parseHfSpec("./model.gguf"), null);
    assert.throws(() => parseHfSpec("hf:noslash"), /must look like hf:ORG\/REPO/);
  });
  it("resolves a GGUF file and an HF folder from the cache, and says how to pull what is missing", (t) => {
    const gguf = fixturePath("models/stories260K/stories260K.gguf"), hf = fixturePath("models/stories260K-hf");
    if (!gguf || !hf) return t.skip(missingFixture("models/stories260K"));
    cacheRepo("weft/stories-gguf", { "stories260K.gguf": gguf });
    cacheRepo("weft/stories-hf", { "config.json": join(hf, "config.json"), "model.safetensors": join(hf, "model.safetensors") });
    process.env.HF_HUB_CACHE = cache;
    try {
      assert.match(resolveModelPath("hf:weft/stories-gguf"), /stories260K\.gguf$/);
      assert.equal(load("hf:weft/stories-gguf:stories260K.gguf").config.nLayer, 5);
      assert.equal(load("hf:weft/stories-hf").config.dim, 64);
      assert.throws(() => resolveModelPath("hf:weft/absent"), /not in the cache .* run: weft pull hf:weft\/absent/);
    } finally {
      delete process.env.HF_HUB_CACHE;
    }
  });
});
