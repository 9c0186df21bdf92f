// Module swaps by path: find projection layers whose dotted path matches, and replace them in place.
import { Module } from "./module.js";
import type { LinearLike } from "./linear-like.js";

export interface Slot {
  path: string;
  parent: Record<string, unknown>;
  key: string;
  layer: LinearLike;
}

function isLinearLike(v: unknown): v is LinearLike {
  return v instanceof Module && typeof (v as Partial<LinearLike>).inFeatures === "number" && typeof (v as Partial<LinearLike>).forward === "function";
}

/** Every projection layer reachable from `root` (not descending into a projection's own children). */
export function projectionSlots(root: Module): Slot[] {
  const out: Slot[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string, seen: Set<unknown>): void => {
    if (seen.has(obj)) return;
    seen.add(obj);
    for (const [key, v] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (isLinearLike(v)) out.push({ path, parent: obj, key, layer: v });
      else if (v instanceof Module || Array.isArray(v) || (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype)) {
        walk(v as Record<string, unknown>, path, seen); // arrays too: parent[key] = layer works with index keys
      }
    }
  };
  walk(root as unknown as Record<string, unknown>, "", new Set());
  return out;
}

/** Replace each projection whose path ends in one of `suffixes` with make(layer, path); returns the new layers. */
export function swapProjections<T extends LinearLike>(root: Module, suffixes: readonly string[], make: (l: LinearLike, path: string) => T): T[] {
  const made: T[] = [];
  for (const s of projectionSlots(root)) {
    if (!suffixes.some((x) => s.path === x || s.path.endsWith(`.${x}`))) continue;
    const n = make(s.layer, s.path);
    s.parent[s.key] = n;
    made.push(n);
  }
  return made;
}
