// Per-request LoRA in shared batches: each adapted projection runs the base matmul over all packed rows, then adds
// scale * B A x only to the rows of the requests that use each adapter (the engine sets the row routing per step).
import { statSync } from "node:fs";
import { fromArray, type Tensor } from "../core/tensor.js";
import { linear } from "../core/ops/matmul.js";
import { Module } from "../nn/module.js";
import { LoRALinear } from "../nn/lora.js";
import { projectionSlots } from "../nn/swap.js";
import type { LinearLike } from "../nn/linear-like.js";
import type { LanguageModel } from "../models/config.js";
import { loadGgufLora, loadPeftAdapter } from "../train/adapters.js";
import { isSoftPromptFolder, loadSoftPrompt } from "../train/soft-prompt-io.js";
import { noGrad } from "../core/autograd.js";
import { removeLora } from "../train/lora.js";
import { ValueError } from "../util/errors.js";

interface Delta {
  a: Tensor;
  b: Tensor;
  scale: number;
}

/** Which adapter (index into Router.names, -1 = none) each packed row uses: per token row and per sequence row. */
export class Router {
  readonly names: string[] = [];
  tokenRows: Int32Array = new Int32Array(0);
  seqRows: Int32Array = new Int32Array(0);

  index(name: string): number {
    return this.names.indexOf(name);
  }

  clear(): void {
    this.tokenRows = new Int32Array(0);
    this.seqRows = new Int32Array(0);
  }
}

export class RoutedLinear extends Module implements LinearLike {
  readonly deltas = new Map<number, Delta>();

  constructor(readonly base: LinearLike, private readonly router: Router) {
    super();
  }

  get inFeatures(): number {
    return this.base.inFeatures;
  }

  get outFeatures(): number {
    return this.base.outFeatures;
  }

  forward(x: Tensor): Tensor {
    const y = this.base.forward(x);
    const rows = x.size / this.inFeatures;
    const r = this.router;
    const route = r.tokenRows.length === rows ? r.tokenRows : r.seqRows.length === rows ? r.seqRows : null;
    if (!route || this.deltas.size === 0 || !route.some((a) => this.deltas.has(a))) return y;
    if (!y.isContiguous() || y.dtype !== "f32") throw new ValueError("lora", "a routed projection needs a contiguous f32 output");
    const xs = x.f32(), out = y.storage as Float32Array, o0 = y.offset;
    const C = this.inFeatures, O = this.outFeatures;
    for (let start = 0; start < rows; ) {
      let end = start + 1;
      while (end < rows && route[end] === route[start]) end++;
      const d = this.deltas.get(route[start]!);
      if (d) {
        const h = linear(linear(fromArray(xs.slice(start * C, end * C), [end - start, C]), d.a), d.b).f32();
        for (let i = 0; i < h.length; i++) out[o0 + start * O + i]! += d.scale * h[i]!;
      }
      start = end;
    }
    return y;
  }
}

export type AdapterKind = { kind: "lora" } | { kind: "soft-prompt"; prefix: Tensor };

/**
 * Load an adapter into the model under `name`: a soft prompt (PEFT PROMPT_TUNING / P_TUNING folder) gives a prefix;
 * a LoRA (PEFT folder or GGUF LoRA file) is applied with weft's loaders, then moved into routed projections.
 */
export function loadAdapter(model: LanguageModel, router: Router, name: string, path: string): AdapterKind {
  const root = model as unknown as Module;
  const c = model.config;
  if (statSync(path).isDirectory() && isSoftPromptFolder(path)) {
    return { kind: "soft-prompt", prefix: noGrad(() => loadSoftPrompt(path, c.dim).prefix()) };
  }
  if (router.index(name) >= 0) throw new ValueError("adapter", `an adapter named '${name}' is already loaded`);
  unwrapRouted(root);
  try {
    if (statSync(path).isDirectory()) loadPeftAdapter(path, root, c);
    else loadGgufLora(path, root);
  } catch (e) {
    removeLora(root);
    wrapRouted(root, router);
    throw e;
  }
  router.names.push(name);
  const idx = router.names.length - 1;
  const found: { path: string; lora: LoRALinear }[] = projectionSlots(root)
    .filter((s) => s.layer instanceof LoRALinear).map((s) => ({ path: s.path, lora: s.layer as LoRALinear }));
  removeLora(root);
  const routed = wrapRouted(root, router, new Set(found.map((f) => f.path)));
  for (const f of found) routed.get(f.path)!.deltas.set(idx, { a: f.lora.loraA, b: f.lora.loraB, scale: f.lora.scale });
  return { kind: "lora" };
}

/** Put RoutedLinear back to their base layers (so weft's loaders see plain projections); their deltas are kept aside. */
const parked = new WeakMap<Module, Map<string, RoutedLinear>>();

function unwrapRouted(root: Module): void {
  const m = new Map<string, RoutedLinear>();
  for (const s of projectionSlots(root)) {
    if (s.layer instanceof RoutedLinear) {
      m.set(s.path, s.layer);
      s.parent[s.key] = s.layer.base;
    }
  }
  parked.set(root, m);
}

/** Re-wrap parked projections and wrap new ones at `extra` paths; returns path -> RoutedLinear. */
function wrapRouted(root: Module, router: Router, extra: Set<string> = new Set()): Map<string, RoutedLinear> {
  const old = parked.get(root) ?? new Map<string, RoutedLinear>();
  const out = new Map<string, RoutedLinear>();
  for (const s of projectionSlots(root)) {
    const r = old.get(s.path) ?? (extra.has(s.path) ? new RoutedLinear(s.layer, router) : null);
    if (!r) continue;
    s.parent[s.key] = r;
    out.set(s.path, r);
  }
  parked.delete(root);
  return out;
}
