// A scatter chart as a PNG (quality vs size of model variants): series of labelled points, optional log y axis,
// gridlines with tick labels and a legend. Text uses util/font.ts plus the letters it lacks, drawn here.
import { Canvas, type Rgb } from "../util/png.js";
import { drawText } from "../util/font.js";

export interface ChartPoint {
  x: number;
  y: number;
  label?: string;
}

export interface ChartSeries {
  name: string;
  color: Rgb;
  points: ChartPoint[];
}

export interface ChartOptions {
  title?: string;
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  /** Clip y above this value (points drawn at the top edge as open squares). */
  yMax?: number;
  width?: number;
  height?: number;
}

// 3x5 glyphs for the letters util/font.ts leaves out (rows top first, 3 bits each)
const EXTRA: Record<string, number[]> = {
  b: [4, 4, 7, 5, 7], c: [0, 7, 4, 4, 7], d: [1, 1, 7, 5, 7], f: [3, 4, 7, 4, 4], g: [7, 5, 7, 1, 7], h: [4, 4, 7, 5, 5],
  j: [1, 0, 1, 1, 6], k: [5, 5, 6, 5, 5], m: [0, 7, 7, 5, 5], q: [7, 5, 7, 1, 1], u: [0, 5, 5, 5, 7], w: [0, 5, 5, 7, 7],
  x: [0, 5, 2, 2, 5], y: [5, 5, 7, 1, 7], z: [0, 7, 1, 4, 7], "_": [0, 0, 0, 0, 7], "/": [1, 1, 2, 4, 4], "%": [5, 1, 2, 4, 5],
  "(": [2, 4, 4, 4, 2], ")": [2, 1, 1, 1, 2], ",": [0, 0, 0, 2, 4], "+": [0, 2, 7, 2, 0], "=": [0, 7, 0, 7, 0], ":": [0, 2, 0, 2, 0],
};

/** drawText with the extra glyphs. */
export function text(c: Canvas, s: string, x: number, y: number, color: Rgb, scale = 2): void {
  let cx = x;
  for (const ch of s.toLowerCase()) {
    const g = EXTRA[ch];
    if (g) g.forEach((row, r) => { for (let b = 0; b < 3; b++) if (row & (4 >> b)) c.rect(cx + b * scale, y + r * scale, scale, scale, color); });
    else drawText(c, ch, cx, y, color, scale);
    cx += 4 * scale;
  }
}

function niceTicks(lo: number, hi: number, n: number): number[] {
  const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw)), step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}

/** Render the series into a PNG buffer. */
export function scatterChart(series: readonly ChartSeries[], o: ChartOptions): Buffer {
  const W = o.width ?? 900, Hh = o.height ?? 560, left = 70, right = 200, top = 56, bottom = 50;
  const c = new Canvas(W, Hh), ink: Rgb = [50, 50, 50], grid: Rgb = [228, 228, 228];
  const pts = series.flatMap((s) => s.points);
  const fy = (v: number) => (o.logY ? Math.log(v) : v);
  const yCap = o.yMax ?? Infinity;
  const xs = pts.map((p) => p.x), ys = pts.map((p) => fy(Math.min(p.y, yCap)));
  const x0 = 0, x1 = Math.max(...xs) * 1.05, y0 = Math.min(...ys), y1 = Math.max(...ys);
  const pad = (y1 - y0) * 0.05 || 1;
  const X = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * (W - left - right);
  const Y = (v: number) => Hh - bottom - ((fy(Math.min(v, yCap)) - (y0 - pad)) / (y1 - y0 + 2 * pad)) * (Hh - top - bottom);
  const yTicks = o.logY ? niceTicks(Math.exp(y0 - pad), Math.exp(y1 + pad), 6) : niceTicks(y0 - pad, y1 + pad, 6);
  for (const t of yTicks) {
    const y = Y(t);
    if (y < top || y > Hh - bottom) continue;
    c.line(left, y, W - right, y, grid);
    text(c, t >= 100 ? t.toFixed(0) : t.toPrecision(3), 4, y - 5, ink);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    c.line(X(t), top, X(t), Hh - bottom, grid);
    text(c, String(t), X(t) - 6, Hh - bottom + 8, ink);
  }
  c.line(left, Hh - bottom, W - right, Hh - bottom, ink);
  c.line(left, top, left, Hh - bottom, ink);
  if (o.title) text(c, o.title, left, 10, ink);
  text(c, o.xLabel, (W - right) / 2, Hh - 20, ink);
  text(c, o.yLabel, 4, top - 20, ink);
  series.forEach((s, i) => {
    for (const p of s.points) {
      const clipped = p.y > yCap, x = X(p.x), y = Y(p.y);
      if (clipped) for (const [a, b, d, e] of [[-4, -4, 4, -4], [4, -4, 4, 4], [4, 4, -4, 4], [-4, 4, -4, -4]] as const) c.line(x + a, y + b, x + d, y + e, s.color, 2);
      else c.rect(x - 4, y - 4, 9, 9, s.color);
      if (p.label) text(c, p.label, x + 7, y - 4, s.color, 1);
    }
    c.rect(W - right + 16, top + 8 + i * 22, 12, 12, s.color);
    text(c, s.name, W - right + 34, top + 9 + i * 22, ink);
  });
  return c.toPng();
}
