/**
 * `exportHuggingFace(source, outDir)`: a folder that Hugging Face transformers loads with
 * `from_pretrained` (and vLLM, TGI, transformers.js through Optimum): config.json,
 * model.safetensors (float32, HF's names), generation_config.json, tokenizer.json and
 * tokenizer_config.json. The architectures and their traps: `./models.ts`; tokenizers:
 * `./tokenizer.ts`.
 *
 * ```ts
 * const report = exportHuggingFace('runs/lm', 'exported/lm');
 * // report.modelType === 'gpt2', report.files: ['config.json', 'model.safetensors', ...]
 * ```
 */
import { exists, joinPath, makeDir, readBytes, readText } from '../../platform/index.js';
import { encodeSafetensors } from '../../io/safetensors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { resolveExportSource, type ExportLoadOptions, type ExportSource, type ResolvedSource } from '../source.js';
import { hfArchitectureFor } from './models.js';
import { hfTokenizerFiles } from './tokenizer.js';

export interface HfExportReport {
  outDir: string;
  /** config.json's model_type. */
  modelType: string;
  /** The files written, by name. */
  files: string[];
  /** Why no tokenizer.json was written (no tokenizer, or one with no tokenizer.json form); null when one was. */
  tokenizerSkipped: string | null;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** Adds `dir/name`'s bytes to `files` under `name` when the file exists. */
function copyOrSkip(dir: string, name: string, files: Record<string, string | Uint8Array>): void {
  const path = joinPath(dir, name);
  if (exists(path)) files[name] = readBytes(path);
}

/**
 * The files of the Hugging Face folder for a resolved source, by name (config.json,
 * model.safetensors unless `withWeights` is false, tokenizer and generation files).
 *
 * ```ts
 * const { files } = hfFolderFiles(resolveExportSource(model), false); // config.json, generation_config.json
 * ```
 */
export function hfFolderFiles(src: ResolvedSource, withWeights = true): { files: Record<string, string | Uint8Array>; modelType: string; tokenizerSkipped: string | null } {
  const arch = hfArchitectureFor(src.model);
  const { config, weights } = arch;
  const files: Record<string, string | Uint8Array> = {};
  let tokenizerSkipped: string | null = null;
  let generation: Record<string, unknown> = {};
  if (src.hfDir) {
    // A Hugging Face folder (fine-tuned or not): its own tokenizer and generation files travel unchanged.
    for (const name of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json']) copyOrSkip(src.hfDir, name, files);
    const original = JSON.parse(readText(joinPath(src.hfDir, 'config.json'))) as Record<string, unknown>;
    for (const key of ['bos_token_id', 'eos_token_id', 'pad_token_id']) if (original[key] !== undefined) config[key] = original[key];
    if (!files['tokenizer.json']) tokenizerSkipped = `${src.hfDir} has no tokenizer.json`;
  } else if (src.tokenizer) {
    const tok = hfTokenizerFiles(src.tokenizer);
    if (tok.tokenizer) {
      files['tokenizer.json'] = `${JSON.stringify(tok.tokenizer)}\n`;
      files['tokenizer_config.json'] = json(tok.config);
    } else tokenizerSkipped = tok.reason;
    const eos = src.tokenizer.eosId;
    if (eos !== undefined) {
      config.bos_token_id = eos;
      config.eos_token_id = eos;
      generation = { bos_token_id: eos, eos_token_id: eos };
    }
    config.pad_token_id = src.tokenizer.padId;
  } else tokenizerSkipped = 'no tokenizer was given';
  if (arch.padTokenId !== undefined) config.pad_token_id = arch.padTokenId; // what the head's pooling reads
  const labels = src.labels ?? (arch.numClasses ? Array.from({ length: arch.numClasses }, (_, i) => `LABEL_${i}`) : null);
  if (labels) {
    config.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
    config.label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  }
  if (!files['generation_config.json']) files['generation_config.json'] = json({ _from_model_config: true, ...generation });
  // Without the weights (the ONNX folder's config.json) nothing is stored in half precision.
  if (!withWeights) config.torch_dtype = 'float32';
  files['config.json'] = json(config);
  // save_pretrained's metadata: {"format": "pt"}, which transformers checks for.
  if (withWeights) files['model.safetensors'] = encodeSafetensors(weights, { format: 'pt' });
  return { files, modelType: config.model_type as string, tokenizerSkipped };
}

/** Writes `files` into `outDir` (created if needed), each atomically. */
export function writeFolder(outDir: string, files: Record<string, string | Uint8Array>): void {
  if (!exists(outDir)) makeDir(outDir, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileAtomic(joinPath(outDir, name), data);
}

/**
 * Writes the Hugging Face folder for `source` (a run folder, a Hugging Face folder, a model or
 * `{ model, tokenizer }`) into `outDir` (created if needed; files in it are overwritten). Refused
 * with an `ExportError` naming what is supported: models with no HF architecture. With
 * `weights: 'bfloat16' | 'float16'` a Hugging Face folder is loaded, and written, in half precision
 * (BF16 / F16 matrices, `torch_dtype` set); float32 by default.
 *
 * ```ts
 * exportHuggingFace({ model: gpt, tokenizer: bpe }, 'out/gpt');
 * // python: GPT2LMHeadModel.from_pretrained('out/gpt'); AutoTokenizer.from_pretrained('out/gpt')
 * exportHuggingFace('models/SmolLM-135M', 'out/smol-bf16', { weights: 'bfloat16' });
 * ```
 */
export function exportHuggingFace(source: ExportSource, outDir: string, options: ExportLoadOptions = {}): HfExportReport {
  const src = resolveExportSource(source, options);
  try {
    const { files, modelType, tokenizerSkipped } = hfFolderFiles(src);
    writeFolder(outDir, files);
    return { outDir, modelType, files: Object.keys(files).sort(), tokenizerSkipped };
  } finally {
    src.dispose();
  }
}
