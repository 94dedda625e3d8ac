/**
 * Fine-tuning a pretrained Hugging Face model folder, CLI-free: the library side of
 * `attn train --from DIR [--task lm] [--lora-rank r]`.
 *
 *   task 'lm':             GPT-2 / Llama body + its LM head, the user's text → causal-LM objective
 *   task 'classification': a *ForSequenceClassification head on a GPT-2, Llama, BERT or DistilBERT body,
 *                          labelled texts → classification objective
 *
 * A folder that is already a `*ForSequenceClassification` keeps its head and fine-tuning continues
 * from it when its labels (config.json's id2label) are the data's, in any order (the head's rows
 * are reordered to attn's sorted classes); when they differ, or with `newHead`, a fresh head
 * replaces it. `onNote` is told which happened.
 *
 * With `loraRank`, LoRA adapters go on the attention and MLP projections and only they (and a
 * classification head) train; the base weights are frozen and get no AdamW moments. Before any
 * weight is read, a full fine-tune whose weights, gradients and AdamW moments do not fit in the
 * arena is refused with a `FineTuneMemoryError` giving the bytes needed and what LoRA would need.
 *
 * The run folder: config.json (the model's registry type: `gpt`, `llama`,
 * `*-for-sequence-classification`, or `lora-language-model` / `lora-classifier` for unmerged
 * adapters), model.safetensors (the best weights; with adapters, base and adapters under PEFT's
 * names), tokenizer.json (the pretrained tokenizer), labels.json (classification), `adapter/` (a
 * PEFT adapter folder: adapter_model.safetensors + adapter_config.json) and, with `merge`, the
 * merged model in place of the adapted one (config.json of the base type).
 *
 * ```ts
 * const report = await fineTunePretrained({ from: 'models/gpt2', task: 'lm', data: 'notes.txt', loraRank: 8, outDir: 'runs/notes' });
 * report.lora?.layers.length; // 36 for GPT-2 small
 * ```
 */
import { exists, joinPath, readText, stat } from '../platform/index.js';
import { memory } from '../engine/scope.js';
import { globalGenerator } from '../tensor/random.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { loadPretrained, type LoadedPretrained } from '../models/hf/load-pretrained.js';
import type { WeightsDtype } from '../models/hf/memory.js';
import { forSequenceClassification, type SequenceClassifier } from '../models/hf/for-sequence-classification.js';
import { classifierDropout, classifierLabels, isPretrainedClassifierConfig, loadClassifierHead } from '../models/hf/load-pretrained-classifier.js';
import { BertForSequenceClassification } from '../models/hf/bert-for-sequence-classification.js';
import { DistilBertForSequenceClassification } from '../models/hf/distilbert-for-sequence-classification.js';
import { openHfCheckpoint, PretrainedFolderError } from '../io/hf-checkpoint.js';
import { RunFolder } from '../io/run-folder.js';
import { loraModelConfig } from '../models/registry.js';
import { loadPretrainedTokenizer } from '../text/hf/index.js';
import type { HfTokenizer } from '../text/hf/hf-tokenizer.js';
import { LabelEncoder } from '../text/label-encoder.js';
import { loadTextCorpus, prepareTokenStream, type TextExample } from '../data/index.js';
import { applyLora, mergeLora, saveLoraAdapters, trainingBytes as parameterTrainingBytes, type LoraConfig } from '../optim/lora.js';
import { Trainer, type FitResult, type TrainerOptions } from '../train/trainer.js';
import { OptionError } from '../train/errors.js';
import { tokenWindows } from '../train/token-windows.js';
import { labelledBatches } from '../train/batch-source.js';
import { causalLanguageModelObjective } from '../train/causal-lm-objective.js';
import { classificationObjective } from '../train/classification-objective.js';
import { loadTrainingData, splitDataset } from '../train/classification-data.js';
import { encodeExamples } from '../infer/text-classifier.js';
import { evaluateClassifier } from '../infer/classify.js';

export type FineTuneTask = 'lm' | 'classification';

export interface FineTuneOptions {
  /** A Hugging Face model folder (config.json, safetensors, tokenizer.json). */
  from: string;
  task: FineTuneTask;
  /** lm: a text corpus (a .txt/.jsonl file, a folder, `moby-dick`). classification: labelled data (path or `{ text, label }` examples). */
  data: string | readonly TextExample[];
  textField?: string;
  labelField?: string;
  /** Trainer settings (epochs, maxSteps, lr, …); fine-tuning defaults: lr 5e-5 (2e-4 with LoRA), 1 epoch. */
  trainer?: Partial<TrainerOptions>;
  batchSize?: number;
  /** lm: tokens per training window (default min(128, the model's positions)). */
  blockSize?: number;
  /** classification: texts are truncated to this many tokens (default min(128, the model's positions)). */
  maxLength?: number;
  /** lm: share of the token stream kept for validation (default 0.1). */
  valFraction?: number;
  labelSmoothing?: number;
  /** Train LoRA adapters of this rank instead of every weight. */
  loraRank?: number;
  /** LoRA's alpha (default 2 × rank). */
  loraAlpha?: number;
  loraDropout?: number;
  /** PEFT target names (default: attention and MLP projections). */
  loraTargets?: string[];
  /** Write the merged model (adapters folded into the weights) as the run folder's model. */
  merge?: boolean;
  /** Run folder; null keeps everything in memory. */
  outDir: string | null;
  /** A run folder of the same fine-tune to continue exactly where it stopped (its checkpoint/). */
  resumeFrom?: string | null;
  /** Bytes the arena may hold (default 4 GiB, wasm32's limit); the memory check uses it. */
  arenaLimitBytes?: number;
  /**
   * How the pretrained weight matrices are kept (loadPretrained's `weights`): 'float32' (default),
   * or 'bfloat16'/'float16', frozen, for LoRA over a half-precision base (about 2 bytes per base
   * parameter instead of 4); 'auto' picks half precision when a float32 base would not fit.
   */
  weights?: WeightsDtype | 'auto';
  /** classification from a `*ForSequenceClassification` folder: put a fresh head on even when its labels are the data's. */
  newHead?: boolean;
  seed?: number;
  log?: (message: string) => void;
  /** Told what became of a classification head already in the folder (continued or replaced, and why). */
  onNote?: (message: string) => void;
}

/**
 * classification: what the head is. 'new': the folder had none; 'continued': the folder's head,
 * its labels being the data's; 'replaced': the folder's head was set aside for a fresh one.
 */
export type FineTuneHead = 'new' | 'continued' | 'replaced';

export interface FineTuneReport {
  task: FineTuneTask;
  /** loadPretrained's architecture name (gpt2, llama, bert). */
  architecture: string;
  /** The trained model (merged when `merge`); the caller disposes it. */
  model: Module;
  tokenizer: HfTokenizer;
  /** Class names (classification). */
  labels: string[] | null;
  lora: LoraConfig | null;
  parameters: number;
  trainableParameters: number;
  /** Bytes of weights, gradients and AdamW moments the run needed (activations not counted). */
  trainingBytes: number;
  fit: FitResult;
  /** classification: accuracy of the best model on the held-out test split. */
  testAccuracy: number | null;
  /** classification: whether the folder's own head was continued (null for lm). */
  head: FineTuneHead | null;
  runDir: string | null;
}

/**
 * A fine-tune that cannot fit in the arena. The fields are data (the CLI words the advice): the
 * bytes needed and free, and the bytes a LoRA fine-tune would need.
 */
export class FineTuneMemoryError extends Error {
  override name = 'FineTuneMemoryError';
  constructor(
    readonly dir: string,
    readonly parameters: number,
    readonly bytesNeeded: number,
    readonly bytesAvailable: number,
    readonly loraBytesNeeded: number,
  ) {
    super(`${dir}: a full fine-tune of ${parameters.toLocaleString('en-US')} parameters needs ${gib(bytesNeeded)} for weights, gradients and AdamW moments, more than the ${gib(bytesAvailable)} free in the arena (wasm32 memory is at most 4 GiB); LoRA adapters would need about ${gib(loraBytesNeeded)}`);
  }
}

const GIB = 2 ** 30;
const gib = (bytes: number): string => `${(bytes / GIB).toFixed(2)} GiB`;

/**
 * Parameters of a checkpoint from its headers alone (no tensor read): float tensors, mask buffers
 * and a stored copy of a tied head included, so an upper bound.
 *
 * ```ts
 * checkpointParameters('models/gpt2'); // ≈ 124M
 * ```
 */
export function checkpointParameters(dir: string): number {
  const ckpt = openHfCheckpoint(dir);
  try {
    let n = 0;
    for (const [, t] of ckpt.tensors) if (['F32', 'F16', 'BF16', 'F64'].includes(t.entry.dtype)) n += t.entry.shape.reduce((a, b) => a * b, 1);
    return n;
  } finally {
    ckpt.close();
  }
}

/**
 * Throws a `FineTuneMemoryError` when a full fine-tune of `dir` (16 bytes per parameter: float32
 * weight, gradient, two AdamW moments) does not fit in the free arena. LoRA is estimated as the
 * weights plus 1% of them trained.
 */
export function checkFineTuneMemory(dir: string, options: { lora: boolean; arenaLimitBytes?: number; weights?: WeightsDtype }): { parameters: number; bytesNeeded: number } {
  const parameters = checkpointParameters(dir);
  // LoRA over a half-precision base: 2 bytes per frozen base parameter instead of 4.
  const baseBytes = options.weights === 'bfloat16' || options.weights === 'float16' ? 2 : 4;
  const loraBytes = baseBytes * parameters + 16 * Math.ceil(parameters / 100);
  const bytesNeeded = options.lora ? loraBytes : 16 * parameters;
  const available = (options.arenaLimitBytes ?? 4 * GIB) - memory().numBytes;
  if (bytesNeeded > available) throw new FineTuneMemoryError(dir, parameters, bytesNeeded, available, loraBytes);
  return { parameters, bytesNeeded };
}

/**
 * The folder a fine-tune starts from, checked before anything is read from it: a folder with a
 * Hugging Face config.json. An attn run folder (its config.json has attn's `type`) is named as
 * one rather than failing later on a file it does not have.
 */
function checkPretrainedFolder(dir: string): void {
  if (!exists(dir)) throw new PretrainedFolderError(dir, 'no such folder');
  if (!stat(dir).isDirectory()) throw new PretrainedFolderError(dir, 'is a file, not a Hugging Face model folder (config.json, model.safetensors, tokenizer.json)');
  const configPath = joinPath(dir, 'config.json');
  if (!exists(configPath)) throw new PretrainedFolderError(dir, 'no config.json: not a Hugging Face model folder');
  let raw: unknown;
  try {
    raw = JSON.parse(readText(configPath));
  } catch {
    return; // loadPretrained words a malformed config.json
  }
  if (raw !== null && typeof raw === 'object' && 'type' in raw && !('model_type' in raw)) {
    const type = (raw as { type: unknown }).type;
    const exportable = type === 'gpt' || type === 'llama' ? '; export it as a Hugging Face folder first to fine-tune it' : '';
    throw new PretrainedFolderError(dir, `an attn run folder (config.json's type ${JSON.stringify(type)}), not a Hugging Face model folder: a fine-tune starts from a Hugging Face folder${exportable}; an interrupted attn run is continued by resuming it`);
  }
}

/** 'auto' resolved for a fine-tune: float32 unless only a half-precision base lets LoRA fit. */
function fineTuneWeights(o: FineTuneOptions, lora: boolean): WeightsDtype {
  const w = o.weights ?? 'float32';
  if (w !== 'auto') return w;
  if (!lora) return 'float32';
  try {
    checkFineTuneMemory(o.from, { lora, arenaLimitBytes: o.arenaLimitBytes, weights: 'float32' });
    return 'float32';
  } catch (err) {
    if (err instanceof FineTuneMemoryError) return 'bfloat16';
    throw err;
  }
}

/**
 * Fine-tunes a pretrained folder on the user's data and writes a run folder (see the module
 * comment). Options are checked before anything is loaded.
 *
 * ```ts
 * const r = await fineTunePretrained({ from: 'models/bert-base-uncased', task: 'classification', data: 'reviews.csv', loraRank: 8, outDir: 'runs/reviews' });
 * r.testAccuracy; // 0.91
 * r.model.dispose();
 * ```
 */
export async function fineTunePretrained(options: FineTuneOptions): Promise<FineTuneReport> {
  const o = options;
  if (o.task !== 'lm' && o.task !== 'classification') throw new OptionError('task', `must be 'lm' or 'classification', got ${JSON.stringify(o.task)}`);
  if (o.loraRank !== undefined && !(Number.isInteger(o.loraRank) && o.loraRank > 0)) throw new OptionError('loraRank', `must be a positive integer, got ${o.loraRank}`);
  if (o.task === 'lm' && typeof o.data !== 'string') throw new OptionError('data', 'a language model trains on a corpus path or name');
  if (o.merge && o.loraRank === undefined) throw new OptionError('merge', 'merges LoRA adapters: set loraRank too');
  const lora = o.loraRank !== undefined;
  const log = o.log ?? (() => {});
  if (o.weights !== undefined && !['float32', 'bfloat16', 'float16', 'auto'].includes(o.weights)) {
    throw new OptionError('weights', `must be 'float32', 'bfloat16', 'float16' or 'auto', got ${JSON.stringify(o.weights)}`);
  }
  checkPretrainedFolder(o.from);
  const weights = fineTuneWeights(o, lora);
  if (weights !== 'float32' && !lora) throw new OptionError('weights', `${weights} weights are frozen: a full fine-tune trains float32 weights; train LoRA adapters over them (loraRank) or load float32`);
  checkFineTuneMemory(o.from, { lora, arenaLimitBytes: o.arenaLimitBytes, weights });
  const tokenizer = loadPretrainedTokenizer(o.from);
  const loaded = loadPretrained(o.from, { weights }); // the fine-tune's own check above is the one that counts its training state
  if (o.task === 'lm' && loaded.architecture !== 'gpt2' && loaded.architecture !== 'llama') {
    loaded.dispose();
    throw new OptionError('task', `a ${loaded.architecture} model is not a language model: fine-tune it for classification`);
  }
  if (tokenizer.vocabSize > (loaded.config as { vocabSize: number }).vocabSize) {
    loaded.dispose();
    throw new OptionError('from', `${o.from}: tokenizer.json has ${tokenizer.vocabSize} ids, more than the model's vocab_size ${(loaded.config as { vocabSize: number }).vocabSize}`);
  }
  const positions = positionLimit(loaded);
  const seed = o.seed ?? 0;
  // The new weights (LoRA's A, a classification head) are drawn from the seeded generator: same seed, same run.
  globalGenerator.manualSeed(seed);
  const trainer: Partial<TrainerOptions> = { epochs: 1, lr: lora ? 2e-4 : 5e-5, weightDecay: 0, seed, outDir: o.outDir, log, ...o.trainer };
  const batchSize = o.batchSize ?? 8;

  if (o.task === 'lm') {
    const model = loaded.model as Module & { forward(ids: Tensor): Tensor; config: { type: string } };
    try {
      const blockSize = o.blockSize ?? Math.min(128, positions);
      if (blockSize > positions) throw new OptionError('blockSize', `${blockSize} is more than the model's ${positions} positions`);
      const corpus = loadTextCorpus(o.data as string, { textField: o.textField });
      const prepared = prepareTokenStream(corpus, tokenizer, { blockSize, valFraction: o.valFraction });
      log(`${o.from}: ${prepared.info.summary}`);
      const adapters = lora ? applyLora(model, { rank: o.loraRank, alpha: o.loraAlpha, dropout: o.loraDropout, targets: o.loraTargets }) : null;
      const config = adapters ? loraModelConfig(model.config, loraFields(adapters)) : model.config;
      const t = new Trainer(model, trainer, { config, tokenizer: tokenizer.toJSON(), labels: null }, causalLanguageModelObjective(model, { blockSize, batchSize }));
      const fit = await trainRun(t, tokenWindows(prepared.train, { blockSize, batchSize }), prepared.val, o.resumeFrom ?? null);
      return finish(o, loaded.architecture, model, model.config, tokenizer, null, adapters, fit);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  const dataset = loadTrainingData({ data: o.data as string | TextExample[], textField: o.textField, labelField: o.labelField });
  const maxLength = o.maxLength ?? Math.min(128, positions);
  if (maxLength > positions) {
    loaded.dispose();
    throw new OptionError('maxLength', `${maxLength} is more than the model's ${positions} positions`);
  }
  const labels = new LabelEncoder<string>().fit(dataset.examples.map((e) => e.label));
  const classes = [...labels.classes];
  const splits = splitDataset(dataset, seed);
  log(`${o.from}: ${dataset.summary()}`);
  let plan: HeadPlan;
  try {
    plan = headPlan(o, loaded, classes);
  } catch (err) {
    loaded.dispose();
    throw err;
  }
  const dropout = plan.head === 'continued' ? classifierDropout(loaded.hfConfig, loaded.architecture) : undefined;
  const model: SequenceClassifier = forSequenceClassification(loaded, { numClasses: labels.numClasses, maxLength, dropout });
  try {
    if (plan.order) loadClassifierHead(o.from, model, plan.order);
    if (plan.note) o.onNote?.(plan.note);
    // The head is trained in full, as PEFT's modules_to_save.
    const head = model instanceof BertForSequenceClassification ? ['classifier'] : model instanceof DistilBertForSequenceClassification ? ['pre_classifier', 'classifier'] : ['score'];
    const adapters = lora ? applyLora(model, { rank: o.loraRank, alpha: o.loraAlpha, dropout: o.loraDropout, targets: o.loraTargets, modulesToSave: head }) : null;
    const config = adapters ? loraModelConfig(model.config, loraFields(adapters)) : model.config;
    const encode = (examples: readonly TextExample[]) => encodeExamples(examples, tokenizer, labels, maxLength);
    const train = encode(splits.train);
    const validation = splits.validation.length > 0 ? encode(splits.validation) : null;
    const objective = classificationObjective(model, { labels: classes, maxLength, labelSmoothing: o.labelSmoothing, batchSize });
    const t = new Trainer(model, trainer, { config, tokenizer: tokenizer.toJSON(), labels: classes }, objective);
    const fit = await trainRun(t, labelledBatches(train, { batchSize, maxLength }), validation, o.resumeFrom ?? null);
    const report = finish(o, loaded.architecture, model, model.config, tokenizer, classes, adapters, fit);
    report.head = plan.head;
    if (splits.test.length > 0) {
      report.testAccuracy = evaluateClassifier(model, encode(splits.test), classes, { maxLength, batchSize }).accuracy;
    }
    return report;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

interface HeadPlan {
  head: FineTuneHead;
  /** 'continued': class i (sorted) is the folder's class order[i]. */
  order: number[] | null;
  note: string | null;
}

/** Whether the folder's own classification head goes on training (see the module comment). */
function headPlan(o: FineTuneOptions, loaded: LoadedPretrained, classes: readonly string[]): HeadPlan {
  const raw = loaded.hfConfig;
  if (!isPretrainedClassifierConfig(raw)) return { head: 'new', order: null, note: null };
  const theirs = classifierLabels(raw, joinPath(o.from, 'config.json'));
  const cls = String((raw.architectures as unknown[])[0]);
  const list = (l: readonly string[]) => l.map((x) => JSON.stringify(x)).join(', ');
  if (o.newHead) return { head: 'replaced', order: null, note: `${o.from} is a ${cls}: its classification head (${list(theirs)}) is replaced by a fresh one for ${list(classes)} (new head asked for)` };
  const same = theirs.length === classes.length && new Set(theirs).size === theirs.length && classes.every((c) => theirs.includes(c));
  if (!same) {
    return { head: 'replaced', order: null, note: `${o.from} is a ${cls} whose labels (${list(theirs)}) differ from the data's (${list(classes)}): its classification head is replaced by a fresh one` };
  }
  return { head: 'continued', order: classes.map((c) => theirs.indexOf(c)), note: `${o.from} is a ${cls} with the data's labels (${list(theirs)}): fine-tuning continues from its classification head` };
}

const loraFields = (c: LoraConfig) => ({ rank: c.rank, alpha: c.alpha, dropout: c.dropout, targets: c.targets, modulesToSave: c.modulesToSave });

async function trainRun<B, V>(t: Trainer<B & { tokens: number }, V>, source: Parameters<Trainer<B & { tokens: number }, V>['fit']>[0], validation: V | null, resumeFrom: string | null): Promise<FitResult> {
  try {
    return await t.fit(source, validation, resumeFrom);
  } finally {
    t.dispose();
  }
}

/** Positions the body reads (GPT blockSize, Llama max_position_embeddings, BERT max_position_embeddings). */
function positionLimit(loaded: LoadedPretrained): number {
  const c = loaded.config as { blockSize?: number; maxPositionEmbeddings?: number };
  return c.blockSize ?? c.maxPositionEmbeddings ?? 512;
}

/**
 * After training: the best weights back into the model (the run folder keeps them), the PEFT
 * adapter folder, and the merged model when asked for.
 */
function finish(
  o: FineTuneOptions, architecture: string, model: Module, baseConfig: unknown, tokenizer: HfTokenizer,
  labels: string[] | null, adapters: LoraConfig | null, fit: FitResult,
): FineTuneReport {
  const run = o.outDir === null ? null : new RunFolder(o.outDir);
  if (run && run.isModel()) {
    const best = run.readWeights();
    try {
      model.loadStateDict(best);
    } finally {
      for (const t of Object.values(best)) t.dispose();
    }
  }
  const parameters = model.numParameters();
  const trainableParameters = model.numParameters({ trainableOnly: true });
  const trainingBytes = parameterTrainingBytes(model); // frozen half-precision weights at 2 bytes
  if (run && adapters) {
    saveLoraAdapters(model, joinPath(run.dir, 'adapter'), {
      taskType: labels ? 'SEQ_CLS' : 'CAUSAL_LM', baseModel: o.from, fanInFanOut: architecture === 'gpt2',
    });
  }
  if (adapters && o.merge) {
    mergeLora(model);
    run?.writeModel({ config: baseConfig, weights: model.stateDict(), tokenizer: tokenizer.toJSON(), labels });
  }
  model.eval();
  return {
    task: o.task, architecture, model, tokenizer, labels, lora: adapters, parameters, trainableParameters, trainingBytes, fit, testAccuracy: null, head: null,
    runDir: run ? run.dir : null,
  };
}
