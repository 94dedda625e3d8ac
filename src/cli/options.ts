/** Parsing and validation of CLI option values, with errors that name the option. */
import type { Command } from 'commander';
import { flagOf } from './errors.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parsePositiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option} must be a positive integer, got '${value}'`);
  return n;
}

export function parseNonNegativeInt(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${option} must be a non-negative integer, got '${value}'`);
  return n;
}

export function parsePositiveNumber(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${option} must be a positive number, got '${value}'`);
  return n;
}

export function parseNonNegativeNumber(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${option} must be a non-negative number, got '${value}'`);
  return n;
}

export function parseFraction(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new UsageError(`${option} must be a number in [0, 1), got '${value}'`);
  return n;
}

/** A share strictly between 0 and 1 (a validation fraction: neither part may be empty). */
export function parseOpenFraction(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n >= 1) throw new UsageError(`${option} must be a number in (0, 1), got '${value}'`);
  return n;
}

export function parseChoice<T extends string>(value: string, option: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) throw new UsageError(`${option} must be one of ${choices.join(', ')}, got '${value}'`);
  return value as T;
}

export function parseList<T extends string>(value: string, option: string, choices: readonly T[]): T[] {
  return value.split(',').map((s) => parseChoice(s.trim(), option, choices));
}

/** `runs/2026-11-28T21-11-39` */
export function timestampedRunDir(now = new Date()): string {
  return `runs/${now.toISOString().slice(0, 19).replace(/:/g, '-')}`;
}

/**
 * A command's flags as the option parsers read them: `given` (on the command line, not a
 * default), `str` (its text when given), `num` (parsed, named by its flag, when given).
 *
 * ```ts
 * const { given, num } = readFlags(command);
 * const steps = num('maxSteps', parsePositiveInt); // undefined unless --max-steps was given
 * ```
 */
export function readFlags(command: Command): {
  flags: Record<string, unknown>;
  given: (key: string) => boolean;
  str: (key: string) => string | undefined;
  num: <T>(key: string, parse: (value: string, flag: string) => T) => T | undefined;
} {
  const flags = command.opts<Record<string, unknown>>();
  const given = (key: string) => command.getOptionValueSource(key) === 'cli';
  const str = (key: string) => (given(key) ? String(flags[key]) : undefined);
  const num = <T>(key: string, parse: (value: string, flag: string) => T): T | undefined => {
    const v = str(key);
    return v === undefined ? undefined : parse(v, flagOf(key));
  };
  return { flags, given, str, num };
}
