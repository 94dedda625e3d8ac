/**
 * Checking a model config read from JSON (config.json) or built from options, field by field.
 * Errors carry the source, the field and what was expected, so a caller can word them for its
 * users (the CLI names its flags, the library names the field).
 *
 * ```ts
 * const parse = fieldParser<BowConfig>('bow', { vocabSize: 'int', numClasses: 'int', maxLength: 'int' });
 * parse(JSON.parse(text), 'runs/x/config.json');
 * ```
 */

/** A positive integer, a probability in [0, 1), a boolean, a finite number, or one of some strings. */
export type FieldKind = 'int' | 'prob' | 'bool' | 'number' | readonly string[];

/** A config that does not describe a model; `field` is null when the whole value is wrong. */
export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
  constructor(readonly source: string, readonly field: string | null, readonly problem: string) {
    super(`${source}: ${field === null ? '' : `field '${field}' `}${problem}`);
  }
}

function checkField(source: string, name: string, kind: FieldKind, v: unknown): void {
  const got = `got ${JSON.stringify(v)}`;
  if (kind === 'int' && !(Number.isInteger(v) && (v as number) > 0)) throw new ModelConfigError(source, name, `must be a positive integer, ${got}`);
  if (kind === 'prob' && !(typeof v === 'number' && v >= 0 && v < 1)) throw new ModelConfigError(source, name, `must be a number in [0, 1), ${got}`);
  if (kind === 'bool' && typeof v !== 'boolean') throw new ModelConfigError(source, name, `must be true or false, ${got}`);
  if (kind === 'number' && !(typeof v === 'number' && Number.isFinite(v))) throw new ModelConfigError(source, name, `must be a finite number, ${got}`);
  if (Array.isArray(kind) && !kind.includes(v as string)) throw new ModelConfigError(source, name, `must be one of ${kind.join(', ')}, ${got}`);
}

/**
 * A parser for configs of one model type: `type` must be `type`, every field in `fields` must be
 * present and of its kind, no other field may appear, then `check` (cross-field rules) runs.
 */
export function fieldParser<C extends { type: string }>(
  type: C['type'],
  fields: Record<string, FieldKind>,
  check?: (config: C, source: string) => void,
): (value: unknown, source: string) => C {
  return (value, source) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelConfigError(source, null, 'expected an object');
    const record = value as Record<string, unknown>;
    if (record.type !== type) throw new ModelConfigError(source, 'type', `must be ${JSON.stringify(type)}, got ${JSON.stringify(record.type)}`);
    for (const [name, kind] of Object.entries(fields)) checkField(source, name, kind, record[name]);
    const unknown = Object.keys(record).filter((k) => k !== 'type' && !(k in fields));
    if (unknown.length > 0) throw new ModelConfigError(source, unknown[0]!, `is unknown for a ${type} model (unknown: ${unknown.join(', ')}; known: ${Object.keys(fields).join(', ')})`);
    const config = { ...record } as unknown as C;
    check?.(config, source);
    return config;
  };
}
