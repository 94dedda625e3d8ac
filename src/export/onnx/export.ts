/**
 * `exportOnnx(source, outDir)`: `outDir/model.onnx` (opset 17, weights as initializers), readable
 * by onnxruntime (node, web, server) and Triton's onnxruntime backend, and for decoders the files
 * transformers.js and Optimum read beside it (config.json, generation_config.json, tokenizer.json).
 *
 * - `transformer` classifiers: `input_ids` (batch_size, sequence_length) int64, 0 = padding →
 *   `logits` (batch_size, numClasses) (`./classifier.ts`); beside it labels.json (class names)
 *   and tokenizer.json when the tokenizer has a Hugging Face form (`../hf/tokenizer.ts`).
 * - `*ForSequenceClassification` heads (Hugging Face classifier folders, `attn train --from`
 *   classifiers): `input_ids`, `attention_mask` (batch_size, sequence_length) int64 → `logits`
 *   (batch_size, num_labels), Optimum's text-classification layout (`./sequence-classification.ts`);
 *   beside it config.json (id2label, pad_token_id), the tokenizer files and labels.json.
 * - `gpt` and `llama` decoders: `input_ids`, `attention_mask` (batch_size, past_sequence_length +
 *   sequence_length), `position_ids`, `past_key_values.N.key` / `.value` (batch_size, kv heads,
 *   past_sequence_length, head dim) → `logits` (batch_size, sequence_length, vocab),
 *   `present.N.key` / `.value` (…, past_sequence_length + sequence_length, …), Optimum's and
 *   transformers.js's names and layout (`./decoder.ts`). The first call passes empty pasts
 *   (past_sequence_length 0).
 * - Anything else is refused with an `ExportError` naming what is supported.
 *
 * ```ts
 * const report = exportOnnx('runs/spam', 'exported/spam-onnx'); // report.files: ['model.onnx']
 * ```
 */
import { BiLstmAttentionClassifier } from '../../models/bilstm-attention-classifier.js';
import { BowClassifier } from '../../models/bow-classifier.js';
import { GPT } from '../../models/gpt.js';
import { LlamaForCausalLM } from '../../models/hf/llama.js';
import { TransformerClassifier } from '../../models/transformer-classifier.js';
import type { Module } from '../../nn/module.js';
import { ExportError } from '../errors.js';
import { hfFolderFiles, writeFolder } from '../hf/export.js';
import { hfTokenizerFiles } from '../hf/tokenizer.js';
import { resolveExportSource, type ExportLoadOptions, type ExportSource } from '../source.js';
import { classifierGraph } from './classifier.js';
import { sequenceClassificationGraph } from './sequence-classification.js';
import { GPT2ForSequenceClassification } from '../../models/hf/gpt2-for-sequence-classification.js';
import { LlamaForSequenceClassification } from '../../models/hf/llama-for-sequence-classification.js';
import { BertForSequenceClassification } from '../../models/hf/bert-for-sequence-classification.js';
import { DistilBertForSequenceClassification } from '../../models/hf/distilbert-for-sequence-classification.js';
import type { SequenceClassifier } from '../../models/hf/for-sequence-classification.js';
import { decoderGraph } from './decoder.js';
import type { OnnxGraph } from './graph.js';

/** What the ONNX export supports, for messages. */
export const ONNX_EXPORTS = 'transformer classifiers, the GPT2/Llama/Bert/DistilBertForSequenceClassification heads, gpt and llama (qwen2) decoders';

const isSequenceClassifier = (m: Module): m is SequenceClassifier =>
  m instanceof GPT2ForSequenceClassification || m instanceof LlamaForSequenceClassification || m instanceof BertForSequenceClassification || m instanceof DistilBertForSequenceClassification;

export interface OnnxExportReport {
  outDir: string;
  /** 'classifier' or 'decoder' (with past key values). */
  kind: 'classifier' | 'decoder';
  /** The files written, by name (model.onnx first). */
  files: string[];
  /** Graph input and output names. */
  inputs: string[];
  outputs: string[];
}

/**
 * The ONNX graph of a model, or an `ExportError` for a model it cannot express.
 *
 * ```ts
 * const bytes = onnxGraphFor(model).graph.toModel();
 * ```
 */
export function onnxGraphFor(model: Module): { graph: OnnxGraph; kind: 'classifier' | 'decoder' } {
  if (model instanceof TransformerClassifier) return { graph: classifierGraph(model), kind: 'classifier' };
  if (isSequenceClassifier(model)) return { graph: sequenceClassificationGraph(model), kind: 'classifier' };
  if (model instanceof GPT || model instanceof LlamaForCausalLM) return { graph: decoderGraph(model), kind: 'decoder' };
  const what = model instanceof BiLstmAttentionClassifier ? 'a bilstm-attention classifier (its LSTM layers)'
    : model instanceof BowClassifier ? 'a bow classifier'
      : `a ${String((model as { config?: { type?: unknown } }).config?.type ?? model.constructor.name)} model`;
  throw new ExportError('onnx', `${what} is not supported by the ONNX exporter (supported: ${ONNX_EXPORTS})`);
}

/**
 * Writes `outDir/model.onnx` for `source` (a run folder, a Hugging Face folder, a model or
 * `{ model, tokenizer }`); for decoders with a Hugging Face architecture also config.json,
 * generation_config.json and the tokenizer files. The graph computes in float32: a Hugging Face
 * folder loaded with `weights: 'bfloat16' | 'float16'` has its rounded weights written widened to
 * float32 (exactly), so the ONNX model computes what attn computes with those weights.
 *
 * ```ts
 * exportOnnx({ model: gpt, tokenizer }, 'out/gpt-onnx');
 * // node: const session = await ort.InferenceSession.create('out/gpt-onnx/model.onnx');
 * ```
 */
export function exportOnnx(source: ExportSource, outDir: string, options: ExportLoadOptions = {}): OnnxExportReport {
  const src = resolveExportSource(source, options);
  try {
    const { graph, kind } = onnxGraphFor(src.model);
    const files: Record<string, string | Uint8Array> = { 'model.onnx': graph.toModel(`attn ${kind}`) };
    if (kind === 'classifier' && isSequenceClassifier(src.model)) {
      // A Hugging Face head: config.json (id2label, pad_token_id) and the tokenizer files beside
      // model.onnx, as Optimum writes them (transformers.js reads this folder), and labels.json.
      Object.assign(files, hfFolderFiles(src, false).files);
      delete files['generation_config.json'];
      const labels = Object.values(JSON.parse(files['config.json'] as string).id2label as Record<string, string>);
      files['labels.json'] = `${JSON.stringify(labels, null, 2)}\n`;
    } else if (kind === 'classifier') {
      // Beside the model: how to turn text into input_ids, and class names for the logits.
      const tok = src.tokenizer ? hfTokenizerFiles(src.tokenizer) : null;
      if (tok?.tokenizer) files['tokenizer.json'] = `${JSON.stringify(tok.tokenizer)}\n`;
      if (src.labels) files['labels.json'] = `${JSON.stringify(src.labels, null, 2)}\n`;
    } else {
      try {
        const hf = hfFolderFiles(src, false);
        Object.assign(files, hf.files);
      } catch (err) {
        if (!(err instanceof ExportError)) throw err; // e.g. a rotary GPT: no HF config, the ONNX model alone
      }
    }
    writeFolder(outDir, files);
    return { outDir, kind, files: Object.keys(files), inputs: graph.inputNames(), outputs: graph.outputNames() };
  } finally {
    src.dispose();
  }
}
