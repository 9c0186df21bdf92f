// Reverse-mode autograd: ops record a GradNode on their output; backward() walks the tape in reverse.
import { Tensor } from "./tensor.js";
import { fmt, sameShape } from "./shape.js";
import { ShapeError, ValueError } from "../util/errors.js";

/** One recorded op: its inputs and its vector-Jacobian product (gradient of the output -> inputs). */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Gradients for each input (null where an input needs none), given the output gradient. */
  vjp(g: Tensor): (Tensor | null)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run fn without recording ops (inference, optimiser updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Run fn with recording on (used by fused ops to replay their composite twin during backward). */
export function withGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Attach `vjp` to `out` when recording is on and any input needs a gradient. Returns out. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], vjp: (g: Tensor) => (Tensor | null)[]): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, vjp };
  }
  return out;
}

/** Inputs before outputs: iterative depth-first post-order from `root`. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i]!;
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order;
}

function addInto(acc: Tensor | undefined, g: Tensor): Tensor {
  if (!acc) return g;
  const a = acc.f32(), b = g.f32();
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return new Tensor(out, [...acc.shape], "f32");
}

/** Backpropagate from `root` (a scalar unless `grad` is given); leaf gradients accumulate in .grad. */
export function backward(root: Tensor, grad?: Tensor): void {
  if (!root.requiresGrad) throw new ValueError("backward", "the tensor does not require grad (no recorded ops lead to it)");
  if (!grad && root.size !== 1) {
    throw new ShapeError("backward", `implicit gradient needs a scalar output, got shape ${fmt(root.shape)}`);
  }
  const seed = grad ?? new Tensor(Float32Array.of(1), [...root.shape], "f32");
  if (!sameShape(seed.shape, root.shape)) {
    throw new ShapeError("backward", `gradient shape ${fmt(seed.shape)} differs from output shape ${fmt(root.shape)}`);
  }
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const order = topoOrder(root);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node) {
        // leaves own a fresh contiguous copy: gradients flowing through views may share storage
        t.grad = t.grad ? addInto(t.grad, g) : new Tensor(g.f32().slice(), [...g.shape], "f32");
        continue;
      }
      const gi = t.node.vjp(g);
      t.node.inputs.forEach((inp, k) => {
        const gk = gi[k];
        if (!gk || !inp.requiresGrad) return;
        if (!sameShape(gk.shape, inp.shape)) {
          throw new ShapeError(t.node!.op, `gradient shape ${fmt(gk.shape)} differs from input shape ${fmt(inp.shape)}`);
        }
        grads.set(inp, addInto(grads.get(inp), gk));
      });
    }
  });
}
