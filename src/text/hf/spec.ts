// Reading fields of tokenizer.json components, with errors that name the file and JSON path.

/** One component object of tokenizer.json (`{"type": "…", …}`). */
export type Spec = Record<string, unknown>;

/** Where a component sits: the file (or "<object>") and its JSON path, for error messages. */
export interface Where {
  file: string;
  path: string;
}

/** `file: path` for messages. */
export function at(where: Where, key?: string | number): string {
  const path = key === undefined ? where.path : typeof key === 'number' ? `${where.path}[${key}]` : `${where.path}.${key}`;
  return `${where.file}: ${path}`;
}

/** The same place, one key deeper. */
export function child(where: Where, key: string | number): Where {
  return { file: where.file, path: typeof key === 'number' ? `${where.path}[${key}]` : `${where.path}.${key}` };
}

/**
 * The error for a component type attn does not implement: names the type, where it is, and the
 * types that are implemented for that slot.
 */
export function unsupported(where: Where, kind: string, type: unknown, supported: readonly string[]): Error {
  return new Error(
    `${at(where)}: ${kind} type ${JSON.stringify(type)} is not implemented by attn (implemented: ${supported.join(', ')})`,
  );
}

export function asSpec(value: unknown, where: Where, kind: string): Spec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${at(where)}: a ${kind} must be an object with a "type" field, got ${JSON.stringify(value)}`);
  }
  return value as Spec;
}

export function getString(spec: Spec, key: string, where: Where, fallback?: string): string {
  const v = spec[key];
  if (typeof v === 'string') return v;
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  throw new Error(`${at(where, key)} must be a string, got ${JSON.stringify(v)}`);
}

export function getOptionalString(spec: Spec, key: string, where: Where): string | null {
  const v = spec[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  throw new Error(`${at(where, key)} must be a string or null, got ${JSON.stringify(v)}`);
}

export function getBool(spec: Spec, key: string, where: Where, fallback: boolean): boolean {
  const v = spec[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  throw new Error(`${at(where, key)} must be true or false, got ${JSON.stringify(v)}`);
}

export function getInt(spec: Spec, key: string, where: Where, fallback: number): number {
  const v = spec[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw new Error(`${at(where, key)} must be a non-negative integer, got ${JSON.stringify(v)}`);
}

export function getArray(spec: Spec, key: string, where: Where): unknown[] {
  const v = spec[key];
  if (Array.isArray(v)) return v;
  throw new Error(`${at(where, key)} must be an array, got ${JSON.stringify(v)}`);
}
