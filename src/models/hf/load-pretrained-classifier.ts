/**
 * `loadPretrainedClassifier(dir)`: a Hugging Face `*ForSequenceClassification` folder (a
 * fine-tuned classifier: config.json with `architectures` and `id2label`, the body's weights
 * under its prefix and the head's) as one of attn's heads, with its class names.
 *
 *   GPT2ForSequenceClassification    transformer.* + score.weight
 *   LlamaForSequenceClassification   model.* + score.weight (no lm_head; Qwen2's the same)
 *   BertForSequenceClassification    bert.* (with the pooler) + classifier.weight/bias
 *   DistilBertForSequenceClassification  distilbert.* + pre_classifier.weight/bias + classifier.weight/bias
 *
 * The body is read by `loadPretrained` (every check of the folder there); the head's tensors are
 * then checked (present, float, the shape `num_labels` gives) and copied. Labels: `id2label` in id
 * order, else `num_labels` names LABEL_0 … (HF's defaults, 2 classes). Padding: HF's decoder
 * heads pool the last token that is not `pad_token_id`; a folder without one (GPT-2's usual
 * case) is read one text at a time, as transformers refuses batches then (`padTokenId` null).
 *
 * ```ts
 * const clf = loadPretrainedClassifier('models/distilbert-sst2');
 * clf.labels; // ['NEGATIVE', 'POSITIVE']
 * clf.model.forward(ids).softmax(-1); // (B, 2)
 * ```
 */
import { noGrad } from '../../autograd/apply.js';
import { copy_ } from '../../nn/init.js';
import { joinPath } from '../../platform/index.js';
import { formatShape } from '../../tensor/shape.js';
import { openHfCheckpoint, PretrainedFolderError } from '../../io/hf-checkpoint.js';
import { isSequenceClassificationConfig } from './architecture.js';
import { forSequenceClassification, type SequenceClassifier } from './for-sequence-classification.js';
import { loadPretrained, type LoadedPretrained, type LoadPretrainedOptions } from './load-pretrained.js';
import type { WeightsDtype } from './memory.js';

/** The `*ForSequenceClassification` classes attn reads, by the architecture `loadPretrained` names. */
export const SEQUENCE_CLASSIFICATION_CLASSES: Record<string, readonly string[]> = {
  gpt2: ['GPT2ForSequenceClassification'],
  llama: ['LlamaForSequenceClassification', 'Qwen2ForSequenceClassification'],
  bert: ['BertForSequenceClassification'],
  distilbert: ['DistilBertForSequenceClassification'],
};

export interface LoadedPretrainedClassifier {
  dir: string;
  /** attn's name for the body's architecture (gpt2, llama, bert, distilbert). */
  architecture: LoadedPretrained['architecture'];
  /** config.json's class (`BertForSequenceClassification`, …). */
  className: string;
  model: SequenceClassifier;
  /** Class names in id order. */
  labels: string[];
  /** The id batches are padded with; null: none is set, texts must run one at a time. */
  padTokenId: number | null;
  /** config.json as read. */
  hfConfig: Record<string, unknown>;
  /** Checkpoint tensors read by neither the body nor the head. */
  unusedWeights: string[];
  /** How the body's weight matrices are held (`loadPretrained`'s choice; the head stays float32). */
  weightsDtype: WeightsDtype;
  dispose(): void;
}

/**
 * True when `raw` (a config.json) names a `*ForSequenceClassification` class.
 *
 * ```ts
 * isPretrainedClassifierConfig({ model_type: 'bert', architectures: ['BertForSequenceClassification'] }); // true
 * ```
 */
export function isPretrainedClassifierConfig(raw: Record<string, unknown>): boolean {
  return typeof raw.model_type === 'string' && isSequenceClassificationConfig(raw);
}

/**
 * Class names from id2label (ids 0 … n − 1) or num_labels (LABEL_0 …); errors name config.json and the field.
 *
 * ```ts
 * classifierLabels({ id2label: { 0: 'neg', 1: 'pos' } }, 'm/config.json'); // ['neg', 'pos']
 * ```
 */
export function classifierLabels(raw: Record<string, unknown>, configPath: string): string[] {
  const fail = (field: string, problem: string): never => {
    throw new PretrainedFolderError(configPath, `${field} ${problem}`);
  };
  const numLabels = raw.num_labels;
  if (numLabels !== undefined && !(Number.isSafeInteger(numLabels) && (numLabels as number) > 0)) fail('num_labels', `must be a positive integer, got ${JSON.stringify(numLabels)}`);
  const id2label = raw.id2label;
  if (id2label === undefined || id2label === null) return Array.from({ length: (numLabels as number | undefined) ?? 2 }, (_, i) => `LABEL_${i}`);
  if (typeof id2label !== 'object' || Array.isArray(id2label)) fail('id2label', `must be an object of id → name, got ${JSON.stringify(id2label)?.slice(0, 60)}`);
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels = new Array<string>(entries.length);
  for (const [key, name] of entries) {
    const id = Number(key);
    if (!(Number.isInteger(id) && id >= 0 && id < entries.length && String(id) === key)) fail('id2label', `must have the ids 0 … ${entries.length - 1} as keys, got ${JSON.stringify(key)}`);
    if (typeof name !== 'string') fail(`id2label["${key}"]`, `must be a string, got ${JSON.stringify(name)}`);
    labels[id] = name as string;
  }
  if (entries.length === 0) fail('id2label', 'is empty');
  if (numLabels !== undefined && numLabels !== labels.length) fail('num_labels', `is ${numLabels} but id2label names ${labels.length} classes`);
  return labels;
}

/**
 * Loads a `*ForSequenceClassification` folder (see the module comment); the model is in eval
 * mode. Errors are one line naming the folder or file (`PretrainedFolderError`, and those of
 * `loadPretrained`). `options` go to `loadPretrained` for the body (`weights: 'bfloat16'` keeps
 * its matrices in half precision); the head is float32.
 *
 * ```ts
 * const { model, labels, dispose } = loadPretrainedClassifier('models/gpt2-imdb');
 * const half = loadPretrainedClassifier('models/bert-imdb', { weights: 'bfloat16' });
 * ```
 */
export function loadPretrainedClassifier(dir: string, options: LoadPretrainedOptions = {}): LoadedPretrainedClassifier {
  const loaded = loadPretrained(dir, options);
  const raw = loaded.hfConfig;
  const configPath = joinPath(dir, 'config.json');
  try {
    const classes = SEQUENCE_CLASSIFICATION_CLASSES[loaded.architecture] ?? [];
    const names = Array.isArray(raw.architectures) ? (raw.architectures as unknown[]) : [];
    const className = names.find((n): n is string => typeof n === 'string' && classes.includes(n));
    if (!className) {
      throw new PretrainedFolderError(configPath, `architectures ${JSON.stringify(raw.architectures ?? null)} names no sequence classifier attn reads for model_type ${JSON.stringify(loaded.modelType)} (expected ${classes.join(' or ')})`);
    }
    const problem = raw.problem_type;
    if (problem !== undefined && problem !== null && problem !== 'single_label_classification') {
      throw new PretrainedFolderError(configPath, `problem_type ${JSON.stringify(problem)} is not supported (attn predicts one class per text: single_label_classification)`);
    }
    const labels = classifierLabels(raw, configPath);
    const decoder = loaded.architecture === 'gpt2' || loaded.architecture === 'llama';
    const pad = raw.pad_token_id;
    if (pad !== undefined && pad !== null && !(Number.isSafeInteger(pad) && (pad as number) >= 0)) throw new PretrainedFolderError(configPath, `pad_token_id must be a non-negative integer or null, got ${JSON.stringify(pad)}`);
    const vocabSize = (loaded.config as { vocabSize: number }).vocabSize;
    // Without a pad id a decoder head reads the last position: no id equals vocabSize, and texts go one at a time.
    const padTokenId = decoder ? ((pad as number | null | undefined) ?? null) : (loaded.config as { padTokenId: number }).padTokenId;
    const dropout = classifierDropout(raw, loaded.architecture);
    const model = forSequenceClassification(loaded, { numClasses: labels.length, padTokenId: padTokenId ?? vocabSize, dropout });
    try {
      const used = readHead(dir, model);
      model.eval();
      return {
        dir, architecture: loaded.architecture, className, model, labels, padTokenId, hfConfig: raw,
        unusedWeights: loaded.unusedWeights.filter((n) => !used.has(n)), weightsDtype: loaded.weightsDtype, dispose: () => model.dispose(),
      };
    } catch (err) {
      model.dispose();
      throw err;
    }
  } catch (err) {
    loaded.dispose();
    throw err;
  }
}

const numberOr = <T>(v: unknown, fallback: T): number | T => (typeof v === 'number' ? v : fallback);

/** The classifier dropout config.json gives the head (BERT's classifier_dropout, DistilBERT's seq_classif_dropout), else undefined. */
export function classifierDropout(raw: Record<string, unknown>, architecture: string): number | undefined {
  return architecture === 'bert' ? numberOr(raw.classifier_dropout, undefined) : architecture === 'distilbert' ? numberOr(raw.seq_classif_dropout, 0.2) : undefined;
}

/**
 * Copies the classification head stored in `dir` (a `*ForSequenceClassification` folder) into
 * `model`, a head of the same architecture and number of classes on the folder's body (as
 * `forSequenceClassification` builds it), checking each tensor first. `order` reorders the classes:
 * class i of `model` is class `order[i]` of the folder (rows of the last Linear, `classifier` or
 * `score`). Returns the checkpoint names read.
 *
 * ```ts
 * loadClassifierHead('models/bert-imdb', clf, [1, 0]); // the folder's pos/neg as neg/pos
 * ```
 */
export function loadClassifierHead(dir: string, model: SequenceClassifier, order?: readonly number[]): Set<string> {
  const used = readHead(dir, model);
  if (order && order.some((from, i) => from !== i)) {
    const last = model.namedParameters().filter(([n]) => /^(classifier|score)\.(weight|bias)$/.test(n));
    noGrad(() => {
      for (const [, p] of last) {
        const rows = p.shape[0]!;
        const width = p.size / rows;
        const v = p.data() as Float32Array;
        const out = new Float32Array(v.length);
        order.forEach((from, i) => out.set(v.subarray(from * width, (from + 1) * width), i * width));
        copy_(p, out);
      }
    });
  }
  return used;
}

/** Copies the head's tensors (every parameter outside the body, under its own HF name) into `model`; returns their names. */
function readHead(dir: string, model: SequenceClassifier): Set<string> {
  const body = ['transformer.', 'model.', 'bert.', 'distilbert.'];
  const head = model.namedParameters().filter(([n]) => !body.some((b) => n.startsWith(b)));
  const checkpoint = openHfCheckpoint(dir);
  try {
    for (const [name, p] of head) {
      const where = checkpoint.tensors.get(name);
      if (!where) throw new PretrainedFolderError(dir, `weight ${JSON.stringify(name)} (the classification head, ${formatShape(p.shape)}) is missing from ${checkpoint.files.join(', ')}`);
      const { shape, dtype } = where.entry;
      if (!['F32', 'F16', 'BF16', 'F64'].includes(dtype)) throw new PretrainedFolderError(where.file, `weight ${JSON.stringify(name)} is ${dtype}; expected a float dtype (F32, F16, BF16)`);
      if (shape.length !== p.shape.length || shape.some((n, i) => n !== p.shape[i])) {
        throw new PretrainedFolderError(where.file, `weight ${JSON.stringify(name)} has shape ${formatShape(shape)}, expected ${formatShape(p.shape)} (config.json names ${model.config.numClasses} classes)`);
      }
    }
    noGrad(() => {
      for (const [name, p] of head) copy_(p, checkpoint.read(name).data as Float32Array);
    });
    return new Set(head.map(([n]) => n));
  } finally {
    checkpoint.close();
  }
}
