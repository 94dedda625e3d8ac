/**
 * Fuzz properties of model config parsing (parseModelConfig, src/models/registry.ts): mutated default
 * configs of every model type and random JSON. Each must be refused with an Error whose message
 * starts with the source (the file) and names the field, or give a config whose every field is
 * valid for its type.
 */
import fc from 'fast-check';
import { defaultModelConfig, MODEL_TYPES, ModelConfigError, parseModelConfig } from '../../src/models/index.js';
import { mutatedJson, nastyValue, preview, refusedOr, type AnyProperty } from './kit.js';

const SOURCE = 'runs/fuzz/config.json';

const base = fc.constantFrom(...MODEL_TYPES).map((type) => defaultModelConfig(type, 100, 3, 32) as unknown as Record<string, unknown>);

function valid(config: Record<string, unknown>, input: unknown): void {
  const defaults = defaultModelConfig(config.type as (typeof MODEL_TYPES)[number], 1, 1, 1) as unknown as Record<string, unknown>;
  const keys = Object.keys(config).sort().join(',');
  if (keys !== Object.keys(defaults).sort().join(',')) throw new Error(`accepted fields ${keys} for ${preview(input)}`);
  for (const [k, v] of Object.entries(config)) {
    const d = defaults[k];
    if (typeof d === 'number' && k !== 'dropout' && !(Number.isSafeInteger(v) && (v as number) > 0)) throw new Error(`accepted ${k} = ${preview(v)}`);
    if (k === 'dropout' && !(typeof v === 'number' && v >= 0 && v < 1)) throw new Error(`accepted dropout ${preview(v)}`);
    if (typeof d === 'string' && typeof v !== 'string') throw new Error(`accepted ${k} = ${preview(v)}`);
  }
}

function parses(input: unknown): boolean {
  const config = refusedOr(() => parseModelConfig(input, SOURCE), [ModelConfigError], `${SOURCE}: `, () => preview(input));
  if (config !== undefined) valid(config as unknown as Record<string, unknown>, input);
  return true;
}

export const CONFIG_PROPERTIES: Record<string, () => AnyProperty> = {
  'defaults of every model type parse': () => fc.property(base, parses),
  'mutated configs of every model type': () => fc.property(mutatedJson(base), parses),
  'one field replaced by a nasty value': () =>
    fc.property(
      fc.tuple(base, nastyValue, fc.nat()).map(([c, v, k]) => {
        const keys = Object.keys(c);
        return { ...c, [keys[k % keys.length]!]: v };
      }),
      parses,
    ),
  'random JSON': () => fc.property(fc.jsonValue({ maxDepth: 3 }), parses),
};
