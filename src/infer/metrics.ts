/**
 * Classification metrics: accuracy, per-class precision / recall / F1, macro and micro F1 and the
 * confusion matrix, from true and predicted class indices.
 *
 * ```ts
 * const m = classificationMetrics([0, 1, 1], [0, 1, 0], ['ham', 'spam']);
 * m.accuracy // 0.667
 * ```
 */

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of true examples of this class. */
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  /** Micro-averaged F1; equals accuracy for single-label classification. */
  microF1: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  count: number;
  /** Mean loss, when the caller provides it. */
  loss?: number;
}

const safeDivide = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function classificationMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, labels: readonly string[]): ClassificationMetrics {
  if (truth.length !== predicted.length) {
    throw new Error(`classificationMetrics: ${truth.length} true labels but ${predicted.length} predictions`);
  }
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    if (t < 0 || t >= k || p < 0 || p >= k) throw new RangeError(`classificationMetrics: class index out of range at ${i} (true ${t}, predicted ${p}, ${k} classes)`);
    confusion[t]![p]!++;
    if (t === p) correct++;
  }
  const perClass = labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((s, x) => s + x, 0);
    const predictedCount = confusion.reduce((s, row) => s + row[c]!, 0);
    const precision = safeDivide(tp, predictedCount);
    const recall = safeDivide(tp, support);
    return { label, precision, recall, f1: safeDivide(2 * precision * recall, precision + recall), support };
  });
  // Macro F1 averages over the classes present in the truth or the predictions (as scikit-learn
  // does over the labels it sees), so a class absent from a small test set does not count as 0.
  const seen = perClass.filter((m, c) => m.support > 0 || confusion.some((row) => row[c]! > 0));
  const macroF1 = safeDivide(seen.reduce((s, m) => s + m.f1, 0), seen.length);
  const accuracy = safeDivide(correct, truth.length);
  return { accuracy, macroF1, microF1: accuracy, perClass, confusion, count: truth.length };
}

/** A fixed-width text table of the per-class metrics and the confusion matrix. */
export function formatMetrics(m: ClassificationMetrics, title = 'metrics'): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const width = Math.max(8, ...m.perClass.map((c) => c.label.length));
  const lines = [
    `${title}: accuracy ${pct(m.accuracy)}, macro F1 ${pct(m.macroF1)}, micro F1 ${pct(m.microF1)}${m.loss !== undefined ? `, loss ${m.loss.toFixed(4)}` : ''} (${m.count} examples)`,
    `  ${'class'.padEnd(width)}  precision  recall     f1         support`,
    ...m.perClass.map((c) => `  ${c.label.padEnd(width)}  ${pct(c.precision).padEnd(9)}  ${pct(c.recall).padEnd(9)}  ${pct(c.f1).padEnd(9)}  ${c.support}`),
  ];
  if (m.perClass.length <= 20) {
    lines.push(`  confusion (rows: true, columns: predicted)`);
    for (let i = 0; i < m.confusion.length; i++) lines.push(`  ${m.perClass[i]!.label.padEnd(width)}  ${m.confusion[i]!.map((x) => String(x).padStart(6)).join('')}`);
  }
  return lines.join('\n');
}
