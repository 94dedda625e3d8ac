/**
 * Element-wise closeness with a relative tolerance and an absolute floor near zero:
 *   |actual − expected| ≤ tol · max(1, |expected|)
 * i.e. relative error for |expected| ≥ 1 and absolute error tol below that (so values that are
 * ~0 up to rounding do not fail on a meaningless relative error). NaN matches NaN and ±∞ matches
 * the same infinity.
 */
export interface Mismatch {
  index: number;
  actual: number;
  expected: number;
  /** |actual − expected| / max(1, |expected|), Infinity for NaN/∞ mismatches. */
  error: number;
  count: number;
}

export function worstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): Mismatch | null {
  let worst: Mismatch | null = null;
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    let error: number;
    if (Number.isNaN(e) || Number.isNaN(a)) error = Number.isNaN(e) && Number.isNaN(a) ? 0 : Infinity;
    else if (!Number.isFinite(e) || !Number.isFinite(a)) error = a === e ? 0 : Infinity;
    else error = Math.abs(a - e) / Math.max(1, Math.abs(e));
    if (error > tol) {
      count++;
      if (!worst || error > worst.error) worst = { index: i, actual: a, expected: e, error, count: 0 };
    }
  }
  if (worst) worst.count = count;
  return worst;
}

/** The multi-index of flat `index` in `shape`, as "[i, j, k]". */
export function formatIndex(index: number, shape: readonly number[]): string {
  const coords: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    coords.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return `[${coords.join(', ')}]`;
}

export function describeMismatch(m: Mismatch, shape: readonly number[], tol: number): string {
  return (
    `worst at ${formatIndex(m.index, shape)} (flat ${m.index}): got ${m.actual}, expected ${m.expected} ` +
    `(error ${m.error.toExponential(2)} > ${tol}; ${m.count} element(s) out of tolerance)`
  );
}
