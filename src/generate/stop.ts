// Stop-string matching over streamed text: holds back any tail that could still become a stop string.

export class StopMatcher {
  private pending = "";

  constructor(private readonly stops: readonly string[]) {}

  /** Feed new text; returns what is safe to emit and whether a stop string was hit (text before it only). */
  push(text: string): { emit: string; stopped: boolean } {
    this.pending += text;
    let cut = -1;
    for (const s of this.stops) {
      const i = s.length > 0 ? this.pending.indexOf(s) : -1;
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      const emit = this.pending.slice(0, cut);
      this.pending = "";
      return { emit, stopped: true };
    }
    const hold = this.longestPrefixTail();
    const emit = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return { emit, stopped: false };
  }

  /** Whatever is still held back (at the end of generation). */
  flush(): string {
    const rest = this.pending;
    this.pending = "";
    return rest;
  }

  /** Length of the longest suffix of pending that is a proper prefix of some stop string. */
  private longestPrefixTail(): number {
    let best = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.pending.length); n > best; n--) {
        if (this.pending.endsWith(s.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
