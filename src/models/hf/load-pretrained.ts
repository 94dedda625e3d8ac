/**
 * `loadPretrained(dir)`: a Hugging Face model folder (`config.json`, `model.safetensors` or shards
 * with `model.safetensors.index.json`, `generation_config.json`) as an attn model.
 *
 * Order of work, so that bad input is one line before anything heavy happens:
 * 1. config.json read and dispatched on `model_type`; the architecture's fields checked.
 * 2. Every weight file opened and its header validated (missing shard, truncated shard).
 * 3. The model's memory checked against the arena (models/hf/memory.ts: the weights at the
 *    chosen width plus the KV cache and activations of the workload), refused in one line with
 *    the bytes needed, the bytes free and the options that would fit; then the weight plan
 *    checked against the headers: every parameter's tensor present, of a float dtype and of the
 *    right shape (transposed for GPT-2's Conv1D), naming the tensor, both shapes and the file.
 * 4. Only then the model is built and each tensor read by its byte range, transposed if needed
 *    and copied into its parameter, one at a time: converted to float32 (F16 and BF16 exactly),
 *    or, with `weights: 'bfloat16' | 'float16'`, kept as 2-byte bits in the arena (a file's own
 *    half dtype copied unchanged, anything else rounded to nearest even). Half weights are the
 *    matrices (Linear and Embedding weights); norms and biases stay float32; compute is float32.
 *
 * ```ts
 * const { model, architecture, generation } = loadPretrained('models/SmolLM-135M');
 * const { tokens } = await generate(model as LlamaForCausalLM, ids, generation);
 * ```
 */
import { exists, joinPath, readText, stat } from '../../platform/index.js';
import { noGrad } from '../../autograd/apply.js';
import { memory } from '../../engine/scope.js';
import { copy_, withoutInit } from '../../nn/init.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import type { GenerateOptions } from '../../generate/options.js';
import { openHfCheckpoint, PretrainedFolderError } from '../../io/hf-checkpoint.js';
import { HfConfig, parseGenerationConfig } from './config.js';
import type { PretrainedArchitecture, WeightSource } from './architecture.js';
import { GPT2_ARCHITECTURE } from './gpt2.js';
import { LLAMA_ARCHITECTURE, type LlamaForCausalLM } from './llama.js';
import { BERT_ARCHITECTURE, type BertModel } from './bert.js';
import { DISTILBERT_ARCHITECTURE, type DistilBertModel } from './distilbert.js';
import type { GPT } from '../gpt.js';
import { withHalfWeights } from '../../nn/module.js';
import { isHalf, type HalfDType } from '../../tensor/dtype.js';
import { convertHalf, floatsToHalf } from '../../tensor/half.js';
import { ModelTooLargeError, modelShape, pretrainedMemory, type WeightsDtype, type Workload } from './memory.js';

export interface LoadPretrainedOptions {
  /**
   * How weight matrices are stored: 'float32' (default), 'bfloat16' or 'float16' (2 bytes per
   * element, frozen, float32 compute), or 'auto': float32 when the float32 model fits, else the
   * file's own half dtype (bfloat16 for a float32 file).
   */
  weights?: WeightsDtype | 'auto';
  /** The work the memory check keeps room for: default 1 sequence of min(context, 2048) tokens. */
  workload?: Partial<Workload>;
  /** Bytes the arena may hold (default 4 GiB, wasm32's limit). */
  arenaLimitBytes?: number;
}

/** Every architecture `loadPretrained` reads. */
export const PRETRAINED_ARCHITECTURES: readonly PretrainedArchitecture<never, Module>[] = [
  GPT2_ARCHITECTURE, LLAMA_ARCHITECTURE, BERT_ARCHITECTURE, DISTILBERT_ARCHITECTURE,
] as unknown as PretrainedArchitecture<never, Module>[];

/** The `model_type`s `loadPretrained` reads. */
export const SUPPORTED_MODEL_TYPES: readonly string[] = PRETRAINED_ARCHITECTURES.flatMap((a) => a.modelTypes);

export type PretrainedModel =
  | { architecture: 'gpt2'; model: GPT }
  | { architecture: 'llama'; model: LlamaForCausalLM }
  | { architecture: 'bert'; model: BertModel }
  | { architecture: 'distilbert'; model: DistilBertModel };

export type LoadedPretrained = PretrainedModel & {
  dir: string;
  /** config.json's `model_type`. */
  modelType: string;
  /** attn's config of the model (as `model.config`). */
  config: unknown;
  /** config.json as read. */
  hfConfig: Record<string, unknown>;
  /** generation_config.json (or config.json's generation fields) as options for `generate`. */
  generation: GenerateOptions;
  /** generation_config.json's `max_length` (prompt included), which `maxNewTokens` cannot express. */
  maxLength: number | null;
  /** Checkpoint tensors that were not loaded (heads attn does not build, other extras). */
  unusedWeights: string[];
  /** The weight files read. */
  files: string[];
  /** Which checkpoint tensor filled which parameter (and whether it was transposed). */
  weights: WeightSource[];
  /** How the weight matrices are stored ('auto' resolved). */
  weightsDtype: WeightsDtype;
  dispose(): void;
};

/**
 * True when `dir` is a Hugging Face model folder: its config.json names a `model_type` (attn's own
 * run folders name a `type` instead). A folder without a readable config.json is not one.
 *
 * ```ts
 * isHuggingFaceFolder('models/gpt2'); // true
 * isHuggingFaceFolder('runs/lm');     // false
 * ```
 */
export function isHuggingFaceFolder(dir: string): boolean {
  const configPath = joinPath(dir, 'config.json');
  if (!exists(configPath)) return false;
  try {
    const raw = JSON.parse(readText(configPath)) as Record<string, unknown> | null;
    return raw !== null && typeof raw === 'object' && typeof raw.model_type === 'string' && raw.type === undefined;
  } catch {
    return false;
  }
}

/**
 * Loads a Hugging Face folder of a supported architecture (gpt2; llama and qwen2, which covers
 * SmolLM and TinyLlama; bert; distilbert). The model is in eval mode. Errors (`PretrainedFolderError`,
 * `ModelConfigError`, `SafetensorsError`) are one line naming the folder or file.
 *
 * `options.weights` keeps the weight matrices in bfloat16/float16 (half the arena; see the module
 * comment); a model that cannot fit is refused before any tensor is read (`ModelTooLargeError`).
 *
 * ```ts
 * const lm = loadPretrained('models/gpt2');
 * if (lm.architecture === 'gpt2') lm.model.forward(ids); // (B, T, 50257)
 * lm.dispose();
 * const big = loadPretrained('models/Llama-3.2-1B', { weights: 'auto' }); // bfloat16 as stored: 2.3 GiB
 * ```
 */
export function loadPretrained(dir: string, options: LoadPretrainedOptions = {}): LoadedPretrained {
  const requested = options.weights ?? 'float32';
  if (!['float32', 'bfloat16', 'float16', 'auto'].includes(requested)) {
    throw new TypeError(`loadPretrained: weights must be 'float32', 'bfloat16', 'float16' or 'auto', got ${JSON.stringify(requested)}`);
  }
  if (!exists(dir) || !stat(dir).isDirectory()) throw new PretrainedFolderError(dir, 'no such folder');
  const configPath = joinPath(dir, 'config.json');
  if (!exists(configPath)) throw new PretrainedFolderError(dir, 'no config.json: not a Hugging Face model folder');
  const raw = readJsonObject(configPath);
  const modelType = raw.model_type;
  const arch = PRETRAINED_ARCHITECTURES.find((a) => a.modelTypes.includes(modelType as string));
  if (!arch) {
    throw new PretrainedFolderError(configPath, `model_type ${JSON.stringify(modelType)} is not supported (attn loads ${SUPPORTED_MODEL_TYPES.join(', ')})`);
  }
  const hf = new HfConfig(raw, configPath);

  const checkpoint = openHfCheckpoint(dir);
  try {
    const names = new Set(checkpoint.tensors.keys());
    const config = arch.config(hf, names);
    const generationPath = joinPath(dir, 'generation_config.json');
    const { options: generation, maxLength } = exists(generationPath)
      ? parseGenerationConfig(readJsonObject(generationPath), generationPath, hf)
      : parseGenerationConfig(raw, configPath);

    // 3. Check everything before building the model or reading a single tensor.
    const plan = arch.plan(config, names);
    const shape = modelShape(arch.name, config);
    const workload: Workload = {
      batchSize: options.workload?.batchSize ?? 1,
      sequenceLength: options.workload?.sequenceLength ?? Math.min(shape.maxPositions, 2048),
    };
    const free = (options.arenaLimitBytes ?? ARENA_LIMIT_BYTES) - memory().numBytes;
    const needs = {
      float32: pretrainedMemory(shape, plan.sources, 'float32', workload),
      bfloat16: pretrainedMemory(shape, plan.sources, 'bfloat16', workload),
      float16: pretrainedMemory(shape, plan.sources, 'float16', workload),
    };
    const weightsDtype: WeightsDtype = requested !== 'auto' ? requested : needs.float32.total <= free ? 'float32' : fileHalfDtype(plan.sources.map((p) => checkpoint.tensors.get(p.tensor)?.entry.dtype));
    if (needs[weightsDtype].total > free) {
      const totals = { float32: needs.float32.total, bfloat16: needs.bfloat16.total, float16: needs.float16.total };
      throw new ModelTooLargeError(configPath, weightsDtype, needs[weightsDtype], free, totals, workload);
    }
    for (const { param, tensor, shape: paramShape, transpose } of plan.sources) {
      const where = checkpoint.tensors.get(tensor);
      const want = transpose ? [...paramShape].reverse() : paramShape;
      if (!where) throw new PretrainedFolderError(dir, `weight ${JSON.stringify(tensor)} (for ${param} ${formatShape(want)}) is missing from ${checkpoint.files.join(', ')}`);
      const { shape, dtype } = where.entry;
      if (!['F32', 'F16', 'BF16', 'F64'].includes(dtype)) throw new PretrainedFolderError(where.file, `weight ${JSON.stringify(tensor)} is ${dtype}; expected a float dtype (F32, F16, BF16)`);
      if (shape.length !== want.length || shape.some((n, i) => n !== want[i])) {
        throw new PretrainedFolderError(where.file, `weight ${JSON.stringify(tensor)} has shape ${formatShape(shape)}, expected ${formatShape(want)} for ${configPath}`);
      }
    }
    for (const [a, b] of plan.tied) {
      const ea = checkpoint.tensors.get(a);
      const eb = checkpoint.tensors.get(b);
      if (ea && eb && (ea.entry.shape.join() !== eb.entry.shape.join())) {
        throw new PretrainedFolderError(ea.file, `weight ${JSON.stringify(a)} ${formatShape(ea.entry.shape)} must be tied to ${JSON.stringify(b)} ${formatShape(eb.entry.shape)} (the same matrix)`);
      }
    }

    // Every parameter is overwritten below (the plan covers them all, checked next): skip random init.
    const model = withoutInit(() => (isHalf(weightsDtype) ? withHalfWeights(weightsDtype, () => arch.create(config)) : arch.create(config)));
    try {
      const params = new Map<string, Tensor>(model.namedParameters());
      const planned = plan.sources.map((p) => `${p.param} ${formatShape(p.shape)}`).sort();
      const built = [...params].map(([n, p]) => `${n} ${formatShape(p.shape)}`).sort();
      if (planned.join('\n') !== built.join('\n')) throw new Error(`loadPretrained: internal: the ${arch.name} weight plan does not list the model's parameters`);
      // 4. Tensor by tensor.
      noGrad(() => {
        for (const { param, tensor, transpose } of plan.sources) {
          const target = params.get(param)!;
          if (isHalf(target.dtype)) {
            const bits = readHalf(checkpoint, tensor, target.dtype);
            const shape = checkpoint.tensors.get(tensor)!.entry.shape;
            copy_(target, transpose ? transpose2d(bits, shape[0]!, shape[1]!) : bits);
            continue;
          }
          const rawTensor = checkpoint.read(tensor);
          const data = rawTensor.data as Float32Array;
          copy_(target, transpose ? transpose2d(data, rawTensor.shape[0]!, rawTensor.shape[1]!) : data);
        }
      });
      for (const [a, b] of plan.tied) {
        if (!checkpoint.tensors.has(a) || !checkpoint.tensors.has(b)) continue;
        const x = checkpoint.read(a).data;
        const y = checkpoint.read(b).data;
        const diff = x.findIndex((v, i) => v !== y[i] && !(Number.isNaN(v) && Number.isNaN(y[i]!)));
        if (diff >= 0) throw new PretrainedFolderError(checkpoint.tensors.get(a)!.file, `weight ${JSON.stringify(a)} differs from ${JSON.stringify(b)} (at flat index ${diff}); attn's ${arch.name} ties them, an untied head is not supported`);
      }
      const used = new Set(plan.sources.map((s) => s.tensor));
      const unusedWeights = [...names].filter((n) => !used.has(n) && !plan.skip(n));
      model.eval();
      return {
        architecture: arch.name, model, dir, modelType: modelType as string, config, hfConfig: raw,
        generation, maxLength, unusedWeights, files: [...checkpoint.files], weights: plan.sources, weightsDtype, dispose: () => model.dispose(),
      } as unknown as LoadedPretrained;
    } catch (err) {
      model.dispose();
      throw err;
    }
  } finally {
    checkpoint.close();
  }
}

/** wasm32 memory, where every tensor lives, is at most 4 GiB (engine/arena.ts). */
const ARENA_LIMIT_BYTES = 4 * 2 ** 30;

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** The half dtype most of the checkpoint's matrices are stored in (bfloat16 when none is half). */
function fileHalfDtype(dtypes: (string | undefined)[]): HalfDType {
  const f16 = dtypes.filter((d) => d === 'F16').length;
  const bf16 = dtypes.filter((d) => d === 'BF16').length;
  return f16 > bf16 ? 'float16' : 'bfloat16';
}

/** One tensor as half bits of `dtype`: stored bits copied when the file has that dtype, else converted (rounded to nearest even). */
function readHalf(checkpoint: ReturnType<typeof openHfCheckpoint>, name: string, dtype: HalfDType): Uint16Array {
  const { entry } = checkpoint.tensors.get(name)!;
  if (entry.dtype === 'BF16' || entry.dtype === 'F16') {
    const bytes = checkpoint.readBytes(name); // a fresh, aligned buffer
    const bits = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    return convertHalf(bits, entry.dtype === 'BF16' ? 'bfloat16' : 'float16', dtype) as Uint16Array;
  }
  return floatsToHalf(checkpoint.read(name).data as Float32Array, dtype) as Uint16Array;
}

/** A (rows, cols) row-major matrix transposed to (cols, rows). */
function transpose2d<A extends Float32Array | Uint16Array>(data: A, rows: number, cols: number): A {
  const out = new (data.constructor as new (n: number) => A)(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

function readJsonObject(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readText(path));
  } catch (err) {
    throw new PretrainedFolderError(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PretrainedFolderError(path, `expected a JSON object, got ${JSON.stringify(value)?.slice(0, 60)}`);
  return value as Record<string, unknown>;
}
