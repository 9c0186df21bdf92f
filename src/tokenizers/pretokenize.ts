// Pre-tokeniser splits of llama.cpp's byte-level BPE, selected by tokenizer.ggml.pre, written as JS Unicode regexes.
import { UnsupportedError } from "../util/errors.js";

/** How a byte-level BPE vocabulary splits text into words before merging, plus the flags its pre type sets. */
export interface PreTokenizer {
  readonly name: string;
  readonly regexes: readonly RegExp[];
  readonly ignoreMerges: boolean;
  readonly addBos: boolean;
  readonly cleanSpaces: boolean;
  readonly noBos: boolean;
}

// Sources in llama.cpp's notation; \s / \S become \p{White_Space} / \P{White_Space} (llama.cpp's whitespace set).
// Every pattern is tried leftmost-first with backtracking, like std::regex and llama.cpp's hand-written splitters,
// and text between matches is kept as a word of its own (unicode_regex_split_stl does the same).
const GPT2 = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`;
const CONTRACTIONS_CI = String.raw`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])`;
const LLAMA3_TAIL = String.raw` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const LLAMA3 = String.raw`${CONTRACTIONS_CI}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|${LLAMA3_TAIL}`;
const QWEN2 = String.raw`${CONTRACTIONS_CI}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|${LLAMA3_TAIL}`;
const PORO = String.raw` ?[^(\s|.,!?\u{2026}\u{3002}\u{FF0C}\u{3001}\u{0964}\u{06D4}\u{060C})]+`;
const STARCODER = [String.raw`\p{N}`, GPT2];
// Cased letters (Lu, Ll, Lt) as deepseek-llm's tokenizer.json lists them; escapes keep editors from normalising them.
const DEEPSEEK_CASED = String.raw`\u{41}-\u{5A}\u{61}-\u{7A}\u{B5}\u{C0}-\u{D6}\u{D8}-\u{F6}\u{F8}-\u{1BA}\u{1BC}-\u{1BF}\u{1C4}-\u{293}\u{295}-\u{2AF}\u{370}-\u{373}\u{376}-\u{377}\u{37B}-\u{37D}\u{37F}\u{386}\u{388}-\u{38A}\u{38C}\u{38E}-\u{3A1}\u{3A3}-\u{3F5}\u{3F7}-\u{481}\u{48A}-\u{52F}\u{531}-\u{556}\u{10A0}-\u{10C5}\u{13A0}-\u{13F5}\u{13F8}-\u{13FD}\u{1C90}-\u{1CBA}\u{1CBD}-\u{1CBF}\u{1D00}-\u{1D2B}\u{1D6B}-\u{1D77}\u{1D79}-\u{1D9A}\u{1E00}-\u{1F15}\u{1F18}-\u{1F1D}\u{1F20}-\u{1F45}\u{1F48}-\u{1F4D}\u{1F50}-\u{1F57}\u{1F59}\u{1F5B}\u{1F5D}\u{1F5F}-\u{1F7D}\u{1F80}-\u{1FB4}\u{1FB6}-\u{1FBC}\u{1FBE}\u{1FC2}-\u{1FC4}\u{1FC6}-\u{1FCC}\u{1FD0}-\u{1FD3}\u{1FD6}-\u{1FDB}\u{1FE0}-\u{1FEC}\u{1FF2}-\u{1FF4}\u{1FF6}-\u{1FFC}\u{2102}\u{2107}\u{210A}-\u{2113}\u{2115}\u{2119}-\u{211D}\u{2124}\u{2126}\u{2128}\u{212A}-\u{212D}\u{212F}-\u{2134}\u{2139}\u{213C}-\u{213F}\u{2145}-\u{2149}\u{214E}\u{2183}-\u{2184}\u{2C00}-\u{2C7B}\u{2C7E}-\u{2CE4}\u{2CEB}-\u{2CEE}\u{2CF2}-\u{2CF3}\u{A640}-\u{A66D}\u{A680}-\u{A69B}\u{A722}-\u{A76F}\u{A771}-\u{A787}\u{A78B}-\u{A78E}\u{AB70}-\u{ABBF}\u{FB00}-\u{FB06}\u{FB13}-\u{FB17}\u{FF21}-\u{FF3A}\u{FF41}-\u{FF5A}\u{10400}-\u{1044F}\u{104B0}-\u{104D3}\u{104D8}-\u{104FB}\u{10C80}-\u{10CB2}\u{10CC0}-\u{10CF2}\u{118A0}-\u{118DF}\u{1E900}-\u{1E943}`;
const CJK_HANGUL = String.raw`[\u{4E00}-\u{9FA5}\u{0800}-\u{4E00}\u{AC00}-\u{D7FF}]+`;
const DEEPSEEK_LLM = [
  String.raw`[\r\n]`,
  String.raw`\s?[${DEEPSEEK_CASED}]+`,
  String.raw`\s?[!-\/:-~\u{FF01}-\u{FF0F}\u{FF1A}-\u{FF5E}\u{2018}-\u{201F}\u{3000}-\u{3002}]+`,
  String.raw`\s+$`,
  CJK_HANGUL,
  String.raw`\p{N}+`,
];
const DEEPSEEK_CODER = [String.raw`[\r\n]`, String.raw`\s?\p{L}+`, String.raw`\s?\p{P}+`, CJK_HANGUL, String.raw`\p{N}`];
const DEEPSEEK3 = [
  String.raw`\p{N}{1,3}`,
  String.raw`[\u{4E00}-\u{9FA5}\u{3040}-\u{309F}\u{30A0}-\u{30FF}]+`,
  String.raw`[!"#$%&'()*+,\-.\/:;<=>?@\[\\\]^_${"`"}{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
];
const TEKKEN = String.raw`[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n\/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const CHAMELEON = [
  String.raw`<sentinel:[0-9]+>`,
  String.raw`(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z`,
  String.raw`([\t\n]|    |  )`,
  String.raw`\p{N}`,
  String.raw`[\p{P}!-\/:-@\[-${"`"}{-~]`,
  GPT2,
];
const DEFAULT = [String.raw`[\p{P}\$\+<=>\^~\|]+`, GPT2, String.raw`\p{N}+`, String.raw`[0-9][0-9][0-9]`];

interface Entry {
  names: string[];
  regexes: string[];
  ignoreMerges?: boolean;
  addBos?: boolean;
  keepSpaces?: boolean;
  noBos?: boolean;
}

// The pre types of llama.cpp (llama-vocab.cpp, Feb 2025) with the flags each one sets.
const TABLE: Entry[] = [
  { names: ["", "default"], regexes: DEFAULT },
  { names: ["llama3", "llama-v3", "llama-bpe", "falcon3"], regexes: [LLAMA3], ignoreMerges: true, addBos: true },
  { names: ["deepseek-llm"], regexes: DEEPSEEK_LLM, keepSpaces: true },
  { names: ["deepseek-coder"], regexes: DEEPSEEK_CODER, keepSpaces: true },
  { names: ["deepseek-v3"], regexes: DEEPSEEK3, keepSpaces: true },
  { names: ["falcon"], regexes: [String.raw`[\p{P}\$\+<=>\^~\|${"`"}]+`, GPT2, String.raw`[0-9][0-9][0-9]`] },
  { names: ["starcoder", "refact", "codeshell", "exaone", "minerva-7b"], regexes: STARCODER },
  { names: ["command-r", "smollm"], regexes: STARCODER, keepSpaces: true },
  {
    names: ["gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code",
      "roberta-bpe", "mpt", "olmo", "jais"],
    regexes: [GPT2],
  },
  { names: ["qwen2"], regexes: [QWEN2], keepSpaces: true },
  { names: ["stablelm2", "megrez"], regexes: [QWEN2] },
  { names: ["dbrx", "smaug-bpe"], regexes: [LLAMA3] },
  { names: ["chatglm-bpe"], regexes: [LLAMA3], noBos: true },
  { names: ["poro-chat"], regexes: [PORO], keepSpaces: true },
  { names: ["bloom", "gpt3-finnish"], regexes: [PORO] },
  { names: ["viking"], regexes: [PORO, String.raw`\p{N}`], keepSpaces: true },
  { names: ["tekken"], regexes: [TEKKEN], ignoreMerges: true, addBos: true, keepSpaces: true },
  { names: ["chameleon"], regexes: CHAMELEON, addBos: true, keepSpaces: true },
];

/** Every tokenizer.ggml.pre value understood ("" = absent). */
export const PRE_TOKENIZER_NAMES: readonly string[] = TABLE.flatMap((t) => t.names);

function compile(src: string): RegExp {
  return new RegExp(src.replace(/\\s/g, "\\p{White_Space}").replace(/\\S/g, "\\P{White_Space}"), "gu");
}

const cache = new Map<string, PreTokenizer>();

/** The pre-tokeniser of a tokenizer.ggml.pre value ("" or absent: llama.cpp's default). */
export function preTokenizer(pre: string): PreTokenizer {
  const hit = cache.get(pre);
  if (hit) return hit;
  const e = TABLE.find((t) => t.names.includes(pre));
  if (!e) {
    const known = TABLE.flatMap((t) => t.names).filter((n) => n !== "").join(", ");
    throw new UnsupportedError("tokenizer", `unknown pre-tokenizer type '${pre}' (tokenizer.ggml.pre); supported: ${known}`);
  }
  const p: PreTokenizer = {
    name: pre === "" ? "default" : pre,
    regexes: e.regexes.map(compile),
    ignoreMerges: e.ignoreMerges ?? false,
    addBos: e.addBos ?? false,
    cleanSpaces: !(e.keepSpaces ?? false),
    noBos: e.noBos ?? false,
  };
  cache.set(pre, p);
  return p;
}

/** Split text into words: each regex in turn splits every piece the previous one produced (matches and gaps). */
export function splitWords(text: string, regexes: readonly RegExp[]): string[] {
  let pieces = [text];
  for (const re of regexes) {
    const next: string[] = [];
    for (const p of pieces) splitOne(p, re, next);
    pieces = next;
  }
  return pieces;
}

function splitOne(s: string, re: RegExp, out: string[]): void {
  re.lastIndex = 0;
  let prev = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const start = m.index;
    const end = start + m[0].length;
    if (end === start) {
      // empty match: contributes no word; step over one code point
      re.lastIndex = start + ((s.codePointAt(start) ?? 0) > 0xffff ? 2 : 1);
      continue;
    }
    if (start > prev) out.push(s.slice(prev, start));
    out.push(m[0]);
    prev = end;
  }
  if (prev < s.length) out.push(s.slice(prev));
}
