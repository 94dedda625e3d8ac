// scikit-learn's LabelEncoder: class labels ↔ integers 0..n-1, classes in sorted order.

import { describe, expectObject } from './tokenizer.js';

export type Label = string | number;

/**
 * Code-point order for strings (what NumPy's sort uses), numeric order for numbers. JavaScript's
 * default sort compares UTF-16 units, which puts an emoji before U+FF01; we avoid that.
 */
function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = a as string;
  const y = b as string;
  const xs = x[Symbol.iterator]();
  const ys = y[Symbol.iterator]();
  for (;;) {
    const p = xs.next();
    const q = ys.next();
    if (p.done || q.done) return p.done && q.done ? 0 : p.done ? -1 : 1;
    const d = p.value.codePointAt(0)! - q.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * Encodes labels as integers, like scikit-learn's `LabelEncoder`: `fit` collects the distinct
 * labels and sorts them, the id of a label is its position in `classes`.
 *
 * Labels are all strings or all numbers; mixing them throws (as NumPy's sort would).
 *
 * @example
 * const enc = new LabelEncoder<string>().fit(['sci.space', 'alt.atheism', 'sci.space']);
 * enc.classes;                      // ['alt.atheism', 'sci.space']
 * enc.transform(['sci.space']);     // [1]
 * enc.inverseTransform([0]);        // ['alt.atheism']
 */
export class LabelEncoder<T extends Label = string> {
  private classList: T[] = [];
  private index = new Map<T, number>();

  /**
   * The distinct labels in sorted order; id i stands for `classes[i]`.
   *
   * @example
   * new LabelEncoder().fit(['b', 'a']).classes; // ['a', 'b']
   */
  get classes(): readonly T[] {
    return this.classList;
  }

  /**
   * Number of classes: the size of a classifier's output layer.
   *
   * @example
   * new LabelEncoder().fit(['b', 'a', 'b']).numClasses; // 2
   */
  get numClasses(): number {
    return this.classList.length;
  }

  /**
   * Learns the classes from `labels` (replacing earlier ones). Returns `this`.
   *
   * @example
   * new LabelEncoder<number>().fit([10, 2, 10]).classes; // [2, 10]
   */
  fit(labels: Iterable<T>): this {
    const distinct = new Set<T>();
    let kind: string | undefined;
    for (const label of labels) {
      const k = typeof label;
      if ((k !== 'string' && k !== 'number') || (k === 'number' && Number.isNaN(label))) {
        throw new TypeError(`LabelEncoder.fit: labels must be strings or numbers (not NaN), got ${describe(label)}`);
      }
      if (kind !== undefined && k !== kind) {
        throw new TypeError(`LabelEncoder.fit: labels mix ${kind}s and ${k}s (e.g. ${describe(label)}); use one type`);
      }
      kind = k;
      distinct.add(label);
    }
    this.setClasses([...distinct].sort(compareLabels));
    return this;
  }

  private setClasses(classes: T[]): void {
    this.classList = classes;
    this.index = new Map(classes.map((c, i) => [c, i]));
  }

  /**
   * Ids of `labels`. Throws naming the labels never seen by `fit`.
   *
   * @example
   * enc.transform(['alt.atheism', 'sci.space']); // [0, 1]
   * enc.transform(['rec.autos']); // throws: unseen label "rec.autos"
   */
  transform(labels: Iterable<T>): number[] {
    const out: number[] = [];
    const unseen = new Set<T>();
    for (const label of labels) {
      const id = this.index.get(label);
      if (id === undefined) unseen.add(label);
      else out.push(id);
    }
    if (unseen.size > 0) {
      const shown = [...unseen].slice(0, 5).map(describe).join(', ');
      const more = unseen.size > 5 ? ` and ${unseen.size - 5} more` : '';
      const known = this.classList.length === 0 ? 'none; call fit first' : this.classList.slice(0, 10).map(describe).join(', ') + (this.classList.length > 10 ? ', ...' : '');
      throw new Error(`LabelEncoder.transform: unseen label${unseen.size > 1 ? 's' : ''} ${shown}${more} (known classes: ${known})`);
    }
    return out;
  }

  /**
   * `fit(labels)` then `transform(labels)`.
   *
   * @example
   * new LabelEncoder().fitTransform(['b', 'a', 'b']); // [1, 0, 1]
   */
  fitTransform(labels: Iterable<T>): number[] {
    const list = [...labels];
    return this.fit(list).transform(list);
  }

  /**
   * Labels of ids. Throws for an id that is not a class index.
   *
   * @example
   * new LabelEncoder().fit(['b', 'a']).inverseTransform([1, 0]); // ['b', 'a']
   */
  inverseTransform(ids: ArrayLike<number>): T[] {
    const out: T[] = [];
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.classList.length) {
        throw new RangeError(`LabelEncoder.inverseTransform: id ${String(id)} is not a class index in [0, ${this.classList.length})`);
      }
      out.push(this.classList[id]!);
    }
    return out;
  }

  /**
   * Serializable form.
   *
   * @example
   * LabelEncoder.fromJSON(enc.toJSON()).classes; // same classes
   */
  toJSON(): { type: 'label-encoder'; version: 1; classes: T[] } {
    return { type: 'label-encoder', version: 1, classes: [...this.classList] };
  }

  /**
   * Rebuilds an encoder from `toJSON()` output; classes are kept in the stored order.
   *
   * @example
   * const enc = LabelEncoder.fromJSON(JSON.parse(readFileSync('labels.json', 'utf8')));
   */
  static fromJSON<T extends Label = string>(json: unknown): LabelEncoder<T> {
    const where = 'LabelEncoder.fromJSON';
    const obj = expectObject(json, where, 'the JSON');
    if (obj.type !== 'label-encoder') throw new Error(`${where}: expected type "label-encoder", got ${describe(obj.type)}`);
    const classes = obj.classes;
    const ok =
      Array.isArray(classes) &&
      (classes.every((c) => typeof c === 'string') || classes.every((c) => typeof c === 'number' && !Number.isNaN(c)));
    if (!ok) throw new Error(`${where}: classes must be an array of strings or of numbers`);
    if (new Set(classes).size !== classes.length) throw new Error(`${where}: classes has duplicates`);
    const enc = new LabelEncoder<T>();
    enc.setClasses([...(classes as T[])]);
    return enc;
  }
}
