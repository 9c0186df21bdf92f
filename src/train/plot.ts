// Loss curves from a metrics JSONL as a PNG chart: train loss (blue), validation loss (orange), gridlines.
import { readFileSync } from "node:fs";
import { Canvas, type Rgb } from "../util/png.js";
import { drawText } from "../util/font.js";
import { FormatError } from "../util/errors.js";

interface Point {
  step: number;
  value: number;
}

export function readLossSeries(path: string): { train: Point[]; val: Point[] } {
  const train: Point[] = [], val: Point[] = [];
  readFileSync(path, "utf8").split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let m: { step?: number; loss?: number; valLoss?: number };
    try {
      m = JSON.parse(line);
    } catch {
      throw new FormatError("plot", `${path}:${i + 1}: not valid JSON`);
    }
    if (typeof m.step !== "number") return;
    if (typeof m.loss === "number" && Number.isFinite(m.loss)) train.push({ step: m.step, value: m.loss });
    if (typeof m.valLoss === "number") val.push({ step: m.step, value: m.valLoss });
  });
  if (train.length === 0) throw new FormatError("plot", `${path} has no loss values`);
  return { train, val };
}

/** Draw the series (plus any extra named series) into a PNG buffer. */
export function lossChart(series: { train: Point[]; val: Point[] }, width = 800, height = 480): Buffer {
  const c = new Canvas(width, height);
  const pad = 40, all = [...series.train, ...series.val];
  const maxStep = Math.max(...all.map((p) => p.step)), minStep = Math.min(...all.map((p) => p.step));
  const hi = Math.max(...all.map((p) => p.value)), lo = Math.min(0, ...all.map((p) => p.value));
  const X = (s: number) => pad + ((s - minStep) / Math.max(1, maxStep - minStep)) * (width - 2 * pad);
  const Y = (v: number) => height - pad - ((v - lo) / Math.max(1e-9, hi - lo)) * (height - 2 * pad);
  for (let k = 0; k <= 4; k++) {
    const y = pad + (k * (height - 2 * pad)) / 4;
    c.line(pad, y, width - pad, y, [225, 225, 225]);
  }
  c.line(pad, height - pad, width - pad, height - pad, [0, 0, 0]);
  c.line(pad, pad, pad, height - pad, [0, 0, 0]);
  const draw = (pts: Point[], color: Rgb) => {
    for (let i = 1; i < pts.length; i++) c.line(X(pts[i - 1]!.step), Y(pts[i - 1]!.value), X(pts[i]!.step), Y(pts[i]!.value), color, 2);
    if (pts.length === 1) c.rect(X(pts[0]!.step) - 2, Y(pts[0]!.value) - 2, 5, 5, color);
  };
  draw(series.train, [31, 119, 180]);
  draw(series.val, [255, 127, 14]);
  const ink: Rgb = [60, 60, 60];
  for (let k = 0; k <= 4; k++) {
    const v = hi - (k * (hi - lo)) / 4;
    drawText(c, v.toFixed(2), 2, pad + (k * (height - 2 * pad)) / 4 - 4, ink, 1);
  }
  drawText(c, String(minStep), pad, height - pad + 8, ink);
  drawText(c, `step ${maxStep}`, width - pad - 70, height - pad + 8, ink);
  c.rect(width - pad - 90, pad, 14, 4, [31, 119, 180]);
  drawText(c, "train", width - pad - 70, pad - 3, ink);
  if (series.val.length > 0) {
    c.rect(width - pad - 90, pad + 16, 14, 4, [255, 127, 14]);
    drawText(c, "val", width - pad - 70, pad + 13, ink);
  }
  return c.toPng();
}
