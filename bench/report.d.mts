// Types for report.mjs (plain JavaScript: bench/run.mjs imports it without tsx).
export interface BenchRecord {
  bench: string;
  case: string;
  impl: string;
  threads: number | null;
  medianMs?: number;
  minMs?: number;
  runs?: number;
  limited?: boolean;
  metric?: { name: string; value: number };
  na?: string;
  note?: string;
  extra?: Record<string, number | string>;
}
export interface Target {
  id: string;
  text: string;
  status: 'met' | 'not met' | 'inconclusive' | 'not measured' | 'reported';
  detail: string;
  short: string;
}
export interface QualityRun {
  steps: number;
  finalValLoss: number;
  curve: { step: number; valLoss: number; trainLoss?: number }[];
  [k: string]: unknown;
}
export interface Quality {
  reference: QualityRun | null;
  attn: QualityRun | null;
}
export const TITLES: Record<string, string>;
export function fmtMs(ms: number): string;
export function attnFor(records: BenchRecord[], r: BenchRecord): BenchRecord | null;
export function renderBenchmark(bench: string, records: BenchRecord[], notes: { bench: string; text: string }[]): string[];
export function evaluateTargets(records: BenchRecord[], ctx?: { contention?: Record<string, number>; cores?: number; quality?: Quality }): Target[];
export function qualityTarget(quality: Quality): Target;
export function renderQuality(quality: Quality): string[];
export function renderTargets(targets: Target[]): string[];
