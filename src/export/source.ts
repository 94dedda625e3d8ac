/**
 * What an export reads: a model object (with its tokenizer, optionally), an attn run folder
 * (`config.json` with `type`) or a Hugging Face folder (`config.json` with `model_type`, read with
 * `loadPretrained`). One resolver, so `exportHuggingFace` and `exportOnnx` accept the same things.
 *
 * ```ts
 * const src = resolveExportSource('runs/lm'); // { model, tokenizer, hfDir: null, ... }
 * src.dispose();
 * ```
 */
import type { Module } from '../nn/module.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { tokenizerFromJSON } from '../text/serialize.js';
import { RunFolder, RunFolderError } from '../io/run-folder.js';
import { parseAnyModelConfig } from '../models/registry.js';
import { loraConfigOf, mergeLora } from '../optim/lora.js';
import { loadPretrained, type LoadPretrainedOptions } from '../models/hf/load-pretrained.js';
import { isPretrainedClassifierConfig, loadPretrainedClassifier } from '../models/hf/load-pretrained-classifier.js';

/** A model to export, with what travels with it. */
export interface ExportModel {
  model: Module;
  /** The tokenizer (attn's or a Hugging Face one); null: none is exported. */
  tokenizer?: Tokenizer | null;
  /** Class names of a classifier (labels.json), written as id2label. */
  labels?: readonly string[] | null;
}

/** Anything the exports accept: a folder (run folder or Hugging Face folder), a model, or a model with its tokenizer. */
export type ExportSource = string | Module | ExportModel;

export interface ResolvedSource {
  model: Module;
  tokenizer: Tokenizer | null;
  labels: readonly string[] | null;
  /** The Hugging Face folder the model was loaded from (its tokenizer files are copied as they are), else null. */
  hfDir: string | null;
  /** Frees what the resolver loaded (nothing for a model object). */
  dispose(): void;
}

function isModule(x: unknown): x is Module {
  return typeof (x as Module | null)?.namedParameters === 'function';
}

/** How an export loads a Hugging Face folder. */
export interface ExportLoadOptions {
  /**
   * How a Hugging Face folder's weight matrices are loaded (`loadPretrained`'s `weights`; default
   * float32). The hf export writes half-precision ones in that dtype; ONNX computes in float32 and
   * writes them widened (exactly). An attn run folder or a model object is exported as it is: a
   * half dtype asked for one is refused (`RunFolderError`).
   */
  weights?: LoadPretrainedOptions['weights'];
}

/** Loads the source (see the file comment); errors name the folder and the file. */
export function resolveExportSource(source: ExportSource, options: ExportLoadOptions = {}): ResolvedSource {
  const half = options.weights === 'bfloat16' || options.weights === 'float16';
  const refuseHalf = (what: string) => {
    if (half) throw new RunFolderError(what, `weights ${options.weights} applies to a Hugging Face folder (config.json with model_type), which is loaded with half-precision weights; this is exported with the weights it has`);
  };
  if (isModule(source)) {
    refuseHalf('the model');
    return { model: source, tokenizer: null, labels: null, hfDir: null, dispose: () => {} };
  }
  if (typeof source !== 'string') {
    refuseHalf('the model');
    return { model: source.model, tokenizer: source.tokenizer ?? null, labels: source.labels ?? null, hfDir: null, dispose: () => {} };
  }
  const run = new RunFolder(source);
  if (!run.exists()) throw new RunFolderError(source, 'no such folder');
  if (!run.has('config')) throw new RunFolderError(source, `no config.json: neither an attn run folder nor a Hugging Face model folder`);
  const raw = run.readJson<Record<string, unknown>>('config', 'model config');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RunFolderError(source, `${run.path('config')}: expected a JSON object`);
  if (raw.model_type !== undefined && raw.type === undefined) {
    const pretrained = { weights: options.weights ?? 'float32' };
    if (isPretrainedClassifierConfig(raw)) {
      const clf = loadPretrainedClassifier(source, pretrained);
      return { model: clf.model, tokenizer: null, labels: clf.labels, hfDir: source, dispose: () => clf.dispose() };
    }
    const loaded = loadPretrained(source, pretrained);
    // The folder's tokenizer files are copied as they are (see hfDir); no tokenizer object is needed.
    return { model: loaded.model, tokenizer: null, labels: null, hfDir: source, dispose: () => loaded.dispose() };
  }
  if (!run.isModel()) throw new RunFolderError(source, `not a trained model folder (expected ${run.path('config')} and ${run.path('model')})`);
  refuseHalf(source);
  const { entry, config } = parseAnyModelConfig(raw, run.path('config'));
  const model = entry.create(config);
  const weights = run.readWeights();
  try {
    model.loadStateDict(weights, { strict: true });
  } catch (err) {
    model.dispose();
    throw new RunFolderError(source, `${run.path('model')} does not match ${run.path('config')}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
  // Unmerged LoRA adapters (`attn train --from … --lora-rank r` without --merge) are folded in:
  // the exported model computes the same function with the base architecture's weights only.
  if (loraConfigOf(model)) mergeLora(model);
  model.eval();
  const tokenizer = run.has('tokenizer') ? tokenizerFromJSON(run.readJson('tokenizer', 'tokenizer')) : null;
  const labels = run.has('labels') ? run.readJson<string[]>('labels', 'class names') : null;
  return { model, tokenizer, labels, hfDir: null, dispose: () => model.dispose() };
}
