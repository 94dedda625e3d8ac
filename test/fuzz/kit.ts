/**
 * Shared pieces of the parser fuzzers (test/fuzz/*.test.ts run them short and seeded;
 * test-slow/fuzz-parsers.test.ts runs them long with a printed seed):
 *
 * - `expectRefusal`: what a parser may throw on bad input: the project's own error type, or a
 *   plain `Error`, with a message that names the file or field, never a raw TypeError,
 *   RangeError or SyntaxError (those are what a missed check looks like).
 * - byte mutations (bit flips, truncation, overwrites, insertions, huge length fields) and JSON
 *   value mutations (drop a key, replace a value by a wrong type, huge or negative numbers, deep
 *   nesting, `__proto__` keys).
 * - `fuzzRuns`: run counts and the seed, from FUZZ_RUNS / FUZZ_SEED when set.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';

/** The error classes a fuzzed parser may throw (plain `Error` too, with a naming message). */
export type ErrorClass = new (...args: never[]) => Error;

/**
 * Checks that `err` is a proper refusal: an instance of one of `allowed` or exactly `Error`, not a
 * built-in subclass (TypeError, RangeError, SyntaxError, …), and its message contains `names`.
 */
export function expectRefusal(err: unknown, allowed: readonly ErrorClass[], names: string | RegExp, input: string): void {
  if (!(err instanceof Error)) assert.fail(`threw a non-Error ${String(err)} for ${input}`);
  const own = allowed.some((cls) => err instanceof cls);
  if (!own && err.constructor !== Error) {
    assert.fail(`threw a raw ${err.constructor.name}: ${err.message}\nfor ${input}\n${err.stack}`);
  }
  const ok = typeof names === 'string' ? err.message.includes(names) : names.test(err.message);
  if (!ok) assert.fail(`error message does not name ${String(names)}: ${err.message}\nfor ${input}`);
}

/** Runs `fn`; returns its result, or undefined after checking a refusal with `expectRefusal`. */
export function refusedOr<T>(
  fn: () => T,
  allowed: readonly ErrorClass[],
  names: string | RegExp,
  input: () => string,
  onRefusal?: (err: Error) => void,
): T | undefined {
  try {
    return fn();
  } catch (err) {
    expectRefusal(err, allowed, names, input());
    onRefusal?.(err as Error);
    return undefined;
  }
}

/** Short printable form of fuzz input for failure messages. */
export function preview(value: unknown): string {
  if (value instanceof Uint8Array) {
    const head = Array.from(value.subarray(0, 96), (b) => b.toString(16).padStart(2, '0')).join('');
    return `${value.length} bytes: ${head}${value.length > 96 ? '…' : ''}`;
  }
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  } catch {
    s = String(value);
  }
  return s === undefined ? String(value) : s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

// ------------------------------------------------------------------------------ byte mutations

/** One mutation of a byte string; applied in sequence by `mutatedBytes`. */
type ByteMutation = (b: Uint8Array) => Uint8Array;

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  // flip one bit
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([at, bit]): ByteMutation => (b) => {
    if (b.length === 0) return b;
    const out = b.slice();
    out[at % out.length]! ^= 1 << bit;
    return out;
  }),
  // truncate
  fc.nat().map((at): ByteMutation => (b) => b.subarray(0, b.length === 0 ? 0 : at % b.length)),
  // overwrite a run with random bytes
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]): ByteMutation => (b) => {
    const out = b.slice();
    for (let i = 0; i < bytes.length && b.length > 0; i++) out[(at + i) % out.length] = bytes[i]!;
    return out;
  }),
  // insert random bytes
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]): ByteMutation => (b) => {
    const p = b.length === 0 ? 0 : at % (b.length + 1);
    const out = new Uint8Array(b.length + bytes.length);
    out.set(b.subarray(0, p));
    out.set(bytes, p);
    out.set(b.subarray(p), p + bytes.length);
    return out;
  }),
  // delete a run
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 })).map(([at, n]): ByteMutation => (b) => {
    if (b.length === 0) return b;
    const p = at % b.length;
    const end = Math.min(b.length, p + n);
    const out = new Uint8Array(b.length - (end - p));
    out.set(b.subarray(0, p));
    out.set(b.subarray(end), p);
    return out;
  }),
  // duplicate a run (repeats a header or a line)
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 32 })).map(([at, n]): ByteMutation => (b) => {
    if (b.length === 0) return b;
    const p = at % b.length;
    const run = b.slice(p, p + n);
    const out = new Uint8Array(b.length + run.length);
    out.set(b.subarray(0, p + run.length));
    out.set(run, p + run.length);
    out.set(b.subarray(p + run.length), p + 2 * run.length);
    return out;
  }),
);

/** `base` after one to four random byte mutations. */
export function mutatedBytes(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(base, fc.array(byteMutation, { minLength: 1, maxLength: 4 })).map(([b, ms]) => ms.reduce((acc, m) => m(acc), b));
}

// ------------------------------------------------------------------------------ JSON mutations

/** Values of the wrong kind, at the edges, or too big: what replaces a field in a mutated JSON. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, -0, -1, 1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, -(2 ** 53), 1e308),
  fc.constantFrom('', ' ', '\u0000', '\uFEFF', '\uD800', 'a b', '__proto__', 'constructor', 'x'.repeat(1000)),
  fc.constantFrom([], {}, [[]], [''], [null], [1, 2], [['a', 1]], [['a', -1]], [['a', 1.5]], { __proto__: null }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 6 }),
);

type Json = unknown;

/** A deep copy of `value` with one mutation at a random place (chosen by `choice`). */
function mutateAt(value: Json, choice: number[], replacement: unknown, kind: number): Json {
  const [here, ...rest] = choice;
  if (Array.isArray(value) && value.length > 0 && rest.length > 0 && (here ?? 0) % 3 !== 0) {
    const i = (here ?? 0) % value.length;
    const copy = value.slice();
    copy[i] = mutateAt(value[i], rest, replacement, kind);
    return copy;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && rest.length > 0 && (here ?? 0) % 3 !== 0) {
    const keys = Object.keys(value);
    if (keys.length > 0) {
      const key = keys[(here ?? 0) % keys.length]!;
      const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      copy[key] = mutateAt((value as Record<string, unknown>)[key], rest, replacement, kind);
      return copy;
    }
  }
  // Mutate here.
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    if (kind % 4 === 0 && keys.length > 0) delete copy[keys[(here ?? 0) % keys.length]!];
    else if (kind % 4 === 1 && keys.length > 0) copy[keys[(here ?? 0) % keys.length]!] = replacement;
    else if (kind % 4 === 2) Object.defineProperty(copy, '__proto__', { value: replacement, enumerable: true, configurable: true, writable: true });
    else copy[`extra${kind}`] = replacement;
    return copy;
  }
  if (Array.isArray(value)) {
    const copy = value.slice();
    if (kind % 4 === 0 && copy.length > 0) copy.splice((here ?? 0) % copy.length, 1);
    else if (kind % 4 === 1 && copy.length > 0) copy[(here ?? 0) % copy.length] = replacement;
    else if (kind % 4 === 2) copy.push(copy.length > 0 ? copy[0] : replacement); // a duplicate
    else copy.splice((here ?? 0) % (copy.length + 1), 0, replacement);
    return copy;
  }
  return replacement;
}

/** `base` after one to three structural mutations (see `mutateAt`). */
export function mutatedJson(base: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  const one = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), nastyValue, fc.nat());
  return fc.tuple(base, fc.array(one, { minLength: 1, maxLength: 3 })).map(([b, ms]) => ms.reduce((acc, [path, v, kind]) => mutateAt(acc, path, v, kind), b));
}

// ------------------------------------------------------------------------------ runs

/** A property of any input type (the tables of properties mix them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProperty = fc.IProperty<any>;

export interface FuzzRun {
  numRuns: number;
  seed: number;
}

/** The run settings: `runs` cases (FUZZ_RUNS overrides), seed FUZZ_SEED or `seed`. */
export function fuzzRuns(runs: number, seed: number): FuzzRun {
  const envRuns = Number(process.env.FUZZ_RUNS);
  const envSeed = Number(process.env.FUZZ_SEED);
  return { numRuns: Number.isInteger(envRuns) && envRuns > 0 ? envRuns : runs, seed: Number.isInteger(envSeed) ? envSeed : seed };
}

/** fc.assert with the run settings; a failure message carries the seed and the shrunk input. */
export function check<T>(prop: fc.IProperty<T>, run: FuzzRun): void {
  try {
    fc.assert(prop, { numRuns: run.numRuns, seed: run.seed });
  } catch (err) {
    // fast-check keeps the property's own error as the cause; put its message in view.
    const cause = (err as { cause?: unknown }).cause;
    if (err instanceof Error && cause instanceof Error) err.message += `\nThe property failed with: ${cause.message}`;
    throw err;
  }
}
