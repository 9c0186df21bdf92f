// Training checkpoints: one safetensors file holding the trainable parameters, AdamW moments and (in its metadata)
// the step, data cursor, epoch order and RNG state. Written atomically; a non-finite model is never saved.
import { writeSafetensorsFile, readSafetensorsFile, toFloat32, type StTensorToWrite } from "../formats/safetensors/index.js";
import type { Trainer } from "./trainer.js";
import { FormatError, ValueError } from "../util/errors.js";

const f32Bytes = (v: Float32Array): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Save `trainer` (whose params are named by `names`, in order) to `path`. */
export function saveCheckpoint(path: string, trainer: Trainer, names: readonly string[]): void {
  const tensors: StTensorToWrite[] = [];
  trainer.params.forEach((p, i) => {
    const v = p.f32();
    for (let k = 0; k < v.length; k++) {
      if (!Number.isFinite(v[k]!)) throw new ValueError("checkpoint", `parameter '${names[i]}' holds ${v[k]} at index ${k}; not saving over a good checkpoint`);
    }
    tensors.push({ name: `param.${names[i]}`, dtype: "F32", shape: [...p.shape], data: f32Bytes(v) });
    tensors.push({ name: `adam_m.${names[i]}`, dtype: "F32", shape: [v.length], data: f32Bytes(trainer.opt.m[i]!) });
    tensors.push({ name: `adam_v.${names[i]}`, dtype: "F32", shape: [v.length], data: f32Bytes(trainer.opt.v[i]!) });
  });
  const s = trainer.state;
  const state = { step: s.step, cursor: s.cursor, order: s.order, rng: s.rng.state().map((x) => (Number.isNaN(x) ? null : x)), adamT: trainer.opt.t };
  writeSafetensorsFile(path, tensors, { format: "weft-checkpoint", state: JSON.stringify(state), names: JSON.stringify(names) });
}

/** Restore parameters, optimiser moments and loop state saved by saveCheckpoint into a freshly built trainer. */
export function loadCheckpoint(path: string, trainer: Trainer, names: readonly string[]): void {
  const f = readSafetensorsFile(path);
  if (f.metadata.format !== "weft-checkpoint") throw new FormatError("checkpoint", `${path} is not a weft checkpoint`);
  const saved = JSON.parse(f.metadata.names ?? "[]") as string[];
  if (saved.join("\n") !== names.join("\n")) {
    throw new FormatError("checkpoint", `${path} holds parameters [${saved.slice(0, 3).join(", ")}, ...] that do not match the model's`);
  }
  trainer.params.forEach((p, i) => {
    (p.storage as Float32Array).set(toFloat32(f, `param.${names[i]}`), p.offset);
    trainer.opt.m[i]!.set(toFloat32(f, `adam_m.${names[i]}`));
    trainer.opt.v[i]!.set(toFloat32(f, `adam_v.${names[i]}`));
  });
  const st = JSON.parse(f.metadata.state ?? "{}") as { step: number; cursor: number; order: number[]; rng: (number | null)[]; adamT: number };
  trainer.state.step = st.step;
  trainer.state.cursor = st.cursor;
  trainer.state.order = st.order;
  trainer.state.rng.restore(st.rng.map((x) => (x === null ? NaN : x)));
  trainer.opt.t = st.adamT;
}
