/**
 * Reads the PyTorch op fixtures written by tools/make-op-fixtures.py (test/fixtures/ops/<group>.json)
 * and turns their inputs into attn tensors.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromArray, type DType, type Tensor } from '../../src/index.js';

/** A number, or "Infinity" / "-Infinity" / "NaN" (JSON has no literal for them). */
export type FixtureNumber = number | string;

export interface FixtureTensor {
  shape: number[];
  dtype: DType;
  data: FixtureNumber[];
}

export interface FixtureInput extends FixtureTensor {
  /** Whether the input requires grad (float inputs that are not masks). */
  grad: boolean;
}

export interface FixtureOutput extends FixtureTensor {
  /** The random weights R of this output in the loss Σ (out·R).sum(); absent when it is not in the loss. */
  r?: FixtureNumber[];
}

export interface FixtureCase {
  /** attn's op name (a key of the test's op table). */
  op: string;
  /** Human-readable case name. */
  name: string;
  /** The op's non-tensor arguments, named as attn names them. */
  args: Record<string, unknown>;
  inputs: FixtureInput[];
  outputs: FixtureOutput[];
  /** d loss / d input, or null for inputs without a gradient. */
  grads: (FixtureNumber[] | null)[];
}

export interface FixtureGroup {
  generator: string;
  torch: string;
  group: string;
  cases: FixtureCase[];
}

const dir = fileURLToPath(new URL('../fixtures/ops/', import.meta.url));

export function listFixtureGroups(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Decodes non-finite spellings (in data and, recursively, in args). */
function decode<T>(value: T): T {
  if (value === 'Infinity' || value === '-Infinity' || value === 'NaN') return Number(value) as T;
  if (Array.isArray(value)) return value.map(decode) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)])) as T;
  }
  return value;
}

export function loadFixtureGroup(group: string): FixtureGroup {
  return decode(JSON.parse(readFileSync(`${dir}${group}.json`, 'utf8')) as FixtureGroup);
}

/** Plain numbers (after `decode` every entry is a number). */
export const numbers = (data: FixtureNumber[]): number[] => data as number[];

/** An attn tensor with the input's values; float inputs marked `grad` require grad. */
export function inputTensor(input: FixtureInput): Tensor {
  const values = input.dtype === 'float32' ? Float32Array.from(numbers(input.data)) : Int32Array.from(numbers(input.data));
  return fromArray(values, input.shape, { dtype: input.dtype, requiresGrad: input.grad && input.dtype === 'float32' });
}
