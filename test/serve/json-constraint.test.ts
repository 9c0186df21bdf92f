// The incremental JSON validator: exact prefixes of valid documents pass, anything else fails at the first bad char,
// schemas are enforced, and random walks over allowed characters always end in a document that parses and matches.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JsonState } from "../../src/serve/json-constraint.js";
import { ANY_OBJECT, compileSchema, matches, type SchemaNode } from "../../src/serve/json-schema.js";
import { Rng } from "../../src/core/rng.js";

const accepts = (root: SchemaNode, text: string) => JsonState.start(root).feed(text) !== null;
const completes = (root: SchemaNode, text: string) => JsonState.start(root).feed(text)?.done === true;

const schema = compileSchema({
  type: "object",
  properties: {
    name: { type: "string", minLength: 1, maxLength: 6 },
    age: { type: "integer" },
    score: { type: ["number", "null"] },
    pet: { enum: ["cat", "dog", 3, 30, true] },
    tags: { type: "array", items: { type: "string", maxLength: 3 }, minItems: 1, maxItems: 2 },
    nested: { type: "object", properties: { x: { type: "boolean" } }, required: ["x"] },
  },
  required: ["name", "age"],
});

describe("JsonState", () => {
  it("accepts every prefix of valid JSON objects and completes at the end", () => {
    for (const doc of ['{"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n\\"y"], "b": {"c": {}}}', "{}", '{\n    "k": 0\n}', '{"a":[]}']) {
      for (let i = 0; i < doc.length; i++) assert.ok(accepts(ANY_OBJECT, doc.slice(0, i)), `prefix ${JSON.stringify(doc.slice(0, i))}`);
      assert.ok(completes(ANY_OBJECT, doc), doc);
      JSON.parse(doc);
    }
  });

  it("rejects invalid JSON at the first bad character", () => {
    for (const bad of ["[", '"', "{,", '{"a" 1}', '{"a":01}', '{"a":1,}', '{"a":tru}', '{"a":"\u0001"}', '{"a":1.}x', '{"a":"\\x"}', "{}}", '{"a":-}',
      "{\r}", "{  }", "{\n\n}", "{\n      \"a\":1}"]) {
      assert.ok(!accepts(ANY_OBJECT, bad), `accepted ${JSON.stringify(bad)}`);
    }
    assert.ok(!accepts(ANY_OBJECT, "{\n      "), "indentation is bounded by depth");
  });

  it("enforces the schema: keys, required, types, enum, lengths, item counts", () => {
    const ok = '{"name": "Mia", "age": 7, "score": null, "pet": 30, "tags": ["a", "bc"], "nested": {"x": true}}';
    assert.ok(completes(schema, ok));
    assert.ok(matches(schema, JSON.parse(ok)));
    for (const bad of ['{"nam": 1', '{"name": 1', '{"name": "Mia"}', '{"name": "toolongname"', '{"name": ""', '{"age": 1.5',
      '{"pet": "cow"', '{"pet": 300', '{"tags": []', '{"tags": ["a", "b", "c"]', '{"nested": {}', '{"name": "a", "name"', '{"extra": 1']) {
      assert.ok(!completes(schema, bad + "}") && !JsonState.start(schema).feed(bad + "}")?.done, `accepted ${bad}`);
    }
    assert.ok(accepts(schema, '{"pet": 3'), "3 can still become 30");
    assert.ok(completes(schema, '{"pet": 3, "name": "a", "age": 0}'));
  });

  it("refuses unsupported keywords", () => {
    for (const s of [{ anyOf: [] }, { type: "string", pattern: "a" }, { $ref: "#/x" }, { type: "number", minimum: 0 }, { type: "objekt" }]) {
      assert.throws(() => compileSchema(s), /json_schema/);
    }
  });

  it("random walks over allowed characters end in documents that parse and match", () => {
    const rng = new Rng(11);
    const alphabet = [..."{}[]:,\"\\ \n\tabcdefghijklmnopqrstuvwxyz0123456789.-+eE", "nam", "age", "pet", "tags", "nested", "score", "true", "null"];
    for (let trial = 0; trial < 300; trial++) {
      let st = JsonState.start(trial % 2 ? schema : ANY_OBJECT);
      let text = "";
      for (let step = 0; step < 400 && !st.done; step++) {
        const options = alphabet.map((a) => [a, st.feed(a)] as const).filter(([, n]) => n !== null);
        assert.ok(options.length > 0, `dead end after ${JSON.stringify(text)}`);
        // prefer closing characters late in the walk so documents finish
        const closing = options.filter(([a]) => /^[}\]"]/.test(a) || /^[0-9a-z]+$/.test(a));
        const pool = step > 200 && closing.length > 0 ? closing : options;
        const [a, n] = pool[rng.int(pool.length)]!;
        text += a;
        st = n!;
      }
      if (!st.done) continue;
      const v = JSON.parse(text) as unknown;
      assert.ok(matches(trial % 2 ? schema : ANY_OBJECT, v), text);
    }
  });
});
