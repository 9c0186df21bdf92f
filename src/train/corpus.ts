// A built-in synthetic corpus (seeded, offline): short stories, instructions with checkable answers, and a toy
// translation task. Tests, examples and the default model train on it; `synthetic:KIND:N[:SEED]` names it as data.
import { Rng } from "../core/rng.js";
import type { Record_ } from "./data.js";
import { ArgumentError } from "../util/errors.js";

export type CorpusKind = "stories" | "instructions" | "translation";

const NAMES = ["Lily", "Tom", "Mia", "Ben", "Sara", "Max", "Zoe", "Leo"];
const ANIMALS = ["cat", "dog", "bird", "fox", "bunny", "bear", "duck", "frog"];
const ADJS = ["little", "happy", "brave", "shy", "kind", "silly", "tiny", "curious"];
const PLACES = ["park", "garden", "forest", "house", "river", "hill", "meadow", "village"];
const THINGS = ["ball", "kite", "apple", "hat", "book", "flower", "box", "shell"];
const COLORS = ["red", "blue", "green", "yellow", "pink", "orange", "purple", "white"];
const FEELINGS = ["happy", "sad", "surprised", "proud", "sleepy", "excited"];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;
const article = (w: string): string => (/^[aeiou]/.test(w) ? `an ${w}` : `a ${w}`);

function story(rng: Rng): string {
  const name = pick(rng, NAMES), animal = pick(rng, ANIMALS), adj = pick(rng, ADJS), place = pick(rng, PLACES);
  const thing = pick(rng, THINGS), color = pick(rng, COLORS), feeling = pick(rng, FEELINGS);
  return `Once upon a time, there was ${article(adj)} ${animal} named ${name}. ${name} liked to play in the ${place}. ` +
    `One day, ${name} found ${article(color)} ${thing}. ${name} was very ${feeling}. ` +
    `${name} took the ${color} ${thing} home and showed it to mom. The end.`;
}

function instruction(rng: Rng): Record_ {
  switch (rng.int(4)) {
    case 0: {
      const a = rng.int(50), b = rng.int(50);
      return { prompt: `Add ${a} and ${b}.\nAnswer: `, completion: `${a + b}` };
    }
    case 1: {
      const w = pick(rng, [...ANIMALS, ...THINGS]);
      return { prompt: `Spell "${w}" backwards.\nAnswer: `, completion: [...w].reverse().join("") };
    }
    case 2: {
      const xs = Array.from({ length: 3 + rng.int(3) }, () => rng.int(10));
      return { prompt: `Sort: ${xs.join(" ")}\nAnswer: `, completion: [...xs].sort((p, q) => p - q).join(" ") };
    }
    default: {
      const w = pick(rng, ANIMALS);
      return { prompt: `What is the plural of "${w}"?\nAnswer: `, completion: w === "fox" ? "foxes" : `${w}s` };
    }
  }
}

/** The toy target language: a fixed word-for-word lexicon with adjective after noun. */
const LEXICON: Record<string, string> = {
  the: "lo", a: "un", cat: "mira", dog: "kano", bird: "pilo", fox: "vulpa", red: "ruso", blue: "bluno", green: "verda",
  big: "grana", small: "peta", sees: "vidas", eats: "mangas", likes: "amas", apple: "pomo", ball: "balo", fish: "fiso",
};

function translation(rng: Rng): Record_ {
  const noun = () => pick(rng, ["cat", "dog", "bird", "fox"]), obj = () => pick(rng, ["apple", "ball", "fish"]);
  const adj = () => pick(rng, ["red", "blue", "green", "big", "small"]);
  const [n1, a1, v, a2, n2] = [noun(), adj(), pick(rng, ["sees", "eats", "likes"]), adj(), obj()];
  const en = `the ${a1} ${n1} ${v} a ${a2} ${n2}`;
  const tl = [LEXICON.the, LEXICON[n1], LEXICON[a1], LEXICON[v], LEXICON.a, LEXICON[n2], LEXICON[a2]].join(" ");
  return { prompt: `English: ${en}\nWeftish: `, completion: tl };
}

/** n records of a kind, reproducible for a seed. */
export function syntheticCorpus(kind: CorpusKind, n: number, seed = 0): Record_[] {
  const rng = new Rng(seed);
  const make = kind === "stories" ? () => ({ text: story(rng) }) : kind === "instructions" ? () => instruction(rng) : () => translation(rng);
  return Array.from({ length: n }, make);
}

/** Parse "synthetic:KIND:N[:SEED]" (the --data form); null for other specs. */
export function parseSyntheticSpec(spec: string): { kind: CorpusKind; n: number; seed: number } | null {
  const m = /^synthetic:(stories|instructions|translation):(\d+)(?::(\d+))?$/.exec(spec);
  if (!m) {
    if (spec.startsWith("synthetic:")) throw new ArgumentError("data", `'${spec}' must look like synthetic:stories|instructions|translation:N[:SEED]`);
    return null;
  }
  return { kind: m[1] as CorpusKind, n: Number(m[2]), seed: Number(m[3] ?? 0) };
}
