// The post_processor of tokenizer.json reduced to what a single sequence gets: ids before it and ids after it.
import { FormatError, UnsupportedError } from "../../util/errors.js";
import { asArray, asObject, asTokenId, describe, type Json, OP } from "./json.js";

export interface Wrap {
  prefix: number[];
  suffix: number[];
}

/** Ids the post-processor puts around one sequence (TemplateProcessing "single", Bert/Roberta cls+sep). */
export function singleWrap(post: unknown): Wrap {
  const w: Wrap = { prefix: [], suffix: [] };
  if (post !== null && post !== undefined) addPost(asObject(post, "post_processor"), w);
  return w;
}

function addPost(p: Json, w: Wrap): void {
  switch (p.type) {
    case "ByteLevel":
      return;
    case "Sequence":
      for (const [i, sub] of asArray(p.processors, "post_processor.processors").entries()) {
        addPost(asObject(sub, `post_processor.processors[${i}]`), w);
      }
      return;
    case "BertProcessing":
    case "RobertaProcessing":
      w.prefix.push(pairId(p.cls, `post_processor.cls`));
      w.suffix.push(pairId(p.sep, `post_processor.sep`));
      return;
    case "TemplateProcessing":
      addTemplate(p, w);
      return;
    default:
      throw new UnsupportedError(OP, `post_processor type ${describe(p.type)} is not supported`);
  }
}

function pairId(v: unknown, what: string): number {
  const a = asArray(v, what);
  return asTokenId(a[1], `${what}[1]`);
}

function addTemplate(p: Json, w: Wrap): void {
  const specials = p.special_tokens === undefined ? {} : asObject(p.special_tokens, "post_processor.special_tokens");
  let seenSequence = false;
  for (const [i, item] of asArray(p.single, "post_processor.single").entries()) {
    const o = asObject(item, `post_processor.single[${i}]`);
    if (o.Sequence !== undefined) {
      seenSequence = true;
      continue;
    }
    const st = asObject(o.SpecialToken, `post_processor.single[${i}].SpecialToken`);
    const name = st.id;
    if (typeof name !== "string") throw new FormatError(OP, `post_processor.single[${i}].SpecialToken.id must be a string`);
    const entry = asObject(specials[name], `post_processor.special_tokens[${JSON.stringify(name)}]`);
    const ids = asArray(entry.ids, `post_processor.special_tokens[${JSON.stringify(name)}].ids`).map((x, j) =>
      asTokenId(x, `post_processor.special_tokens[${JSON.stringify(name)}].ids[${j}]`),
    );
    (seenSequence ? w.suffix : w.prefix).push(...ids);
  }
}
