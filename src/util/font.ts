// A 3x5 pixel font for chart labels (digits, a few letters and punctuation), drawn onto a Canvas.
import type { Canvas, Rgb } from "./png.js";

// each glyph: 5 rows of 3 bits, top row first
const GLYPHS: Record<string, number[]> = {
  "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 7, 1, 7], "4": [5, 5, 7, 1, 1],
  "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 1, 1], "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 7],
  ".": [0, 0, 0, 0, 2], "-": [0, 0, 7, 0, 0], " ": [0, 0, 0, 0, 0], ":": [0, 2, 0, 2, 0],
  a: [0, 7, 1, 7, 7], e: [7, 5, 7, 4, 7], i: [2, 0, 2, 2, 2], l: [4, 4, 4, 4, 7], n: [0, 6, 5, 5, 5], o: [0, 7, 5, 5, 7],
  p: [7, 5, 7, 4, 4], r: [0, 7, 4, 4, 4], s: [7, 4, 7, 1, 7], t: [4, 7, 4, 4, 7], v: [0, 5, 5, 5, 2],
};

/** Draw text with its top-left at (x, y); `scale` multiplies the 3x5 cell. Unknown characters are skipped. */
export function drawText(c: Canvas, text: string, x: number, y: number, color: Rgb, scale = 2): void {
  let cx = x;
  for (const ch of text.toLowerCase()) {
    const g = GLYPHS[ch];
    if (g) {
      g.forEach((row, r) => {
        for (let b = 0; b < 3; b++) if (row & (4 >> b)) c.rect(cx + b * scale, y + r * scale, scale, scale, color);
      });
    }
    cx += 4 * scale;
  }
}
