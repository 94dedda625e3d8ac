// The binary heap both BPE merge loops use: training (most frequent pair first) and encoding
// (lowest merge rank first).

/**
 * Minimal binary heap over parallel arrays of numbers; `before(p1, s1, p2, s2)` says whether
 * entry 1 pops first. Entries are (primary, secondary) pairs; read the top from `primary[0]`,
 * `secondary[0]`, then `pop()`.
 *
 * @example
 * const h = new PairHeap((p1, s1, p2, s2) => p1 < p2 || (p1 === p2 && s1 < s2));
 * h.push(3, 0); h.push(1, 7);
 * h.primary[0]; // 1
 */
export class PairHeap {
  readonly primary: number[] = [];
  readonly secondary: number[] = [];
  constructor(private readonly before: (p1: number, s1: number, p2: number, s2: number) => boolean) {}

  get size(): number {
    return this.primary.length;
  }

  push(p: number, s: number): void {
    const P = this.primary;
    const S = this.secondary;
    let i = P.length;
    P.push(p);
    S.push(s);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(p, s, P[parent]!, S[parent]!)) break;
      P[i] = P[parent]!;
      S[i] = S[parent]!;
      i = parent;
    }
    P[i] = p;
    S[i] = s;
  }

  /** Removes the top entry; read it first from `primary[0]`, `secondary[0]`. */
  pop(): void {
    const P = this.primary;
    const S = this.secondary;
    const lastP = P.pop()!;
    const lastS = S.pop()!;
    const n = P.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(P[r]!, S[r]!, P[l]!, S[l]!) ? r : l;
      if (!this.before(P[c]!, S[c]!, lastP, lastS)) break;
      P[i] = P[c]!;
      S[i] = S[c]!;
      i = c;
    }
    P[i] = lastP;
    S[i] = lastS;
  }
}
