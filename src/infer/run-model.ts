/**
 * Loading the model of a run folder through the model registry, checking the task it was
 * trained for: `attn predict` (a classifier) refuses a language model, `attn generate` (a
 * language model) refuses a classifier, each with one line naming the folder and its task.
 *
 * ```ts
 * const { model, config } = loadRunModel('runs/shakespeare', 'language-model');
 * const task = readRunTask('runs/spam'); // 'classification'
 * ```
 */
import type { Module } from '../nn/module.js';
import { RunFolder, RunFolderError } from '../io/run-folder.js';
import { parseAnyModelConfig, modelEntry, TASK_NAMES, type ModelEntry, type ModelTask } from '../models/registry.js';

/** A run folder whose model is trained for another task than the one asked for. */
export class WrongTaskError extends RunFolderError {
  override name = 'WrongTaskError';
  constructor(dir: string, readonly task: ModelTask, readonly expected: ModelTask) {
    super(dir, `this folder holds a ${TASK_NAMES[task]}, not a ${TASK_NAMES[expected]}${task === 'masked-lm' ? '; use the run folder that contains it' : ''}`);
  }
}

/** The run folder's config.json, after checking the folder holds a trained model. */
function readModelConfig(run: RunFolder): unknown {
  if (!run.exists()) throw new RunFolderError(run.dir, 'no such folder');
  if (!run.isModel()) throw new RunFolderError(run.dir, `not a trained model folder (expected ${run.path('config')} and ${run.path('model')})`);
  return run.readJson('config', 'model config');
}

/** The task of the model in a run folder (from the `type` in its config.json). */
export function readRunTask(dir: string): ModelTask {
  const run = new RunFolder(dir);
  const raw = readModelConfig(run) as { type?: unknown } | null;
  return modelEntry(raw?.type, run.path('config')).task;
}

/** Throws a `WrongTaskError` unless the run folder's model is trained for `task`; returns its registry entry. */
export function checkRunTask(dir: string, task: ModelTask): ModelEntry {
  const run = new RunFolder(dir);
  const raw = readModelConfig(run) as { type?: unknown } | null;
  const entry = modelEntry(raw?.type, run.path('config'));
  if (entry.task !== task) throw new WrongTaskError(dir, entry.task, task);
  return entry;
}

/**
 * Builds the run folder's model from config.json and loads model.safetensors into it (strictly),
 * after checking its task. The model is in eval mode.
 */
export function loadRunModel<M extends Module = Module, C = { type: string }>(dir: string, task: ModelTask): { model: M; config: C; run: RunFolder } {
  const run = new RunFolder(dir);
  checkRunTask(dir, task);
  const { entry, config } = parseAnyModelConfig(run.readJson('config', 'model config'), run.path('config'));
  const model = entry.create(config) as M;
  const weights = run.readWeights();
  try {
    model.loadStateDict(weights, { strict: true });
  } catch (err) {
    model.dispose();
    throw new RunFolderError(dir, `${run.path('model')} does not match ${run.path('config')}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
  const nonFinite = firstNonFiniteParameter(model);
  if (nonFinite) {
    model.dispose();
    throw new RunFolderError(dir, `${run.path('model')}: parameter '${nonFinite.name}' holds ${nonFinite.count} non-finite value${nonFinite.count === 1 ? '' : 's'} (NaN or ±Infinity) of ${nonFinite.size}: ` +
      'the model cannot predict (its training diverged); train it again, with a lower learning rate');
  }
  model.eval();
  return { model, config: config as C, run };
}

/** The first parameter holding NaN or ±Infinity, with how many such values; null when every one is finite. Buffers (masks may hold -Infinity) are not checked. */
export function firstNonFiniteParameter(model: Module): { name: string; count: number; size: number } | null {
  for (const [name, p] of model.namedParameters()) {
    if (p.dtype !== 'float32') continue;
    const data = p.data();
    let count = 0;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) count++;
    if (count > 0) return { name, count, size: data.length };
  }
  return null;
}
