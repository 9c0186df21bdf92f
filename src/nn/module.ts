// Module: a tree of parameters found by walking fields (Tensor, Module, arrays of them), with freeze and state I/O.
import { Tensor } from "../core/tensor.js";
import { fmt, sameShape } from "../core/shape.js";
import { ShapeError, ValueError } from "../util/errors.js";

export abstract class Module {
  training = true;

  /** Every parameter with its dotted path, e.g. "layers.0.attn.wq.weight"; a shared (tied) tensor is listed once. */
  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, value] of Object.entries(this)) visit(value, prefix + key, out, new Set());
    const seen = new Set<Tensor>();
    return out.filter(([, t]) => !seen.has(t) && seen.add(t) !== undefined);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameters that will receive gradients. */
  trainableParameters(): [string, Tensor][] {
    return this.namedParameters().filter(([, t]) => t.requiresGrad);
  }

  /** Stop gradients for every parameter (or those whose path matches). */
  freeze(match?: (name: string) => boolean): this {
    for (const [n, t] of this.namedParameters()) if (!match || match(n)) t.requiresGrad = false;
    return this;
  }

  unfreeze(match?: (name: string) => boolean): this {
    for (const [n, t] of this.namedParameters()) if ((!match || match(n)) && t.dtype === "f32") t.requiresGrad = true;
    return this;
  }

  /** Switch dropout and similar behaviour (recursively). */
  train(on = true): this {
    this.training = on;
    for (const m of this.children()) m.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  children(): Module[] {
    const out: Module[] = [];
    const add = (v: unknown): void => {
      if (v instanceof Module) out.push(v);
      else if (Array.isArray(v)) v.forEach(add);
      else if (isPlainObject(v)) Object.values(v).forEach(add);
    };
    Object.values(this).forEach(add);
    return out;
  }

  /** Copy values into parameters by path; shapes must match. strict: every parameter must be given. */
  loadState(state: Map<string, Tensor>, strict = true): void {
    const params = new Map(this.namedParameters());
    for (const [name, value] of state) {
      const p = params.get(name);
      if (!p) throw new ValueError("loadState", `unexpected parameter '${name}'`);
      if (!sameShape(p.shape, value.shape)) {
        throw new ShapeError("loadState", `parameter '${name}' has shape ${fmt(p.shape)} but the state gives ${fmt(value.shape)}`);
      }
      (p.storage as Float32Array).set(value.to(p.dtype).contiguousStorage() as Float32Array, p.offset);
    }
    if (strict) {
      const missing = [...params.keys()].filter((k) => !state.has(k));
      if (missing.length > 0) throw new ValueError("loadState", `missing parameters: ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}`);
    }
  }

  /** Parameters by path (the live tensors, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }
}

function visit(value: unknown, path: string, out: [string, Tensor][], seen: Set<unknown>): void {
  if (seen.has(value)) return;
  if (value instanceof Tensor) {
    if (value.dtype !== "i32") out.push([path, value]);
  } else if (value instanceof Module) {
    seen.add(value);
    out.push(...value.namedParameters(path + "."));
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => visit(v, `${path}.${i}`, out, seen));
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`, out, seen);
  }
}

/** Plain records like { q, k, v } group layers without being Modules themselves. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
