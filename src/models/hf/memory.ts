/**
 * What running a pretrained model takes of the arena, worked out from its config and weight plan
 * alone (before any tensor is read), so `loadPretrained` can refuse a model that cannot fit with
 * the bytes it needs and the options that would fit, instead of failing gigabytes into the load.
 *
 * - Weights: every parameter at its stored width — matrices (rank ≥ 2) at 4 bytes as float32 or
 *   2 as bfloat16/float16, vectors (norms, biases) always float32 — each rounded to its arena size
 *   class, as the arena will hold it.
 * - Workload: a forward pass over `batchSize × sequenceLength` tokens. Decoders add their KV cache
 *   (K and V per layer, float32, `numKvHeads · headDim` per token) and the logits generation keeps
 *   (the last position of each sequence: `logitsToKeep: 1`); every
 *   model adds one block's intermediates (the blocks run inside `tidy`, so only one is live): the
 *   residual stream, q/k/v, the attention output and the MLP (~8 × hidden + 3 × ffn per token).
 *   These are estimates (lower bounds): scratch and fragmentation come on top.
 *
 * ```ts
 * const need = pretrainedMemory(shape, sources, 'bfloat16', { batchSize: 1, sequenceLength: 2048 });
 * need.weightBytes + need.workloadBytes; // bytes
 * ```
 */
import { sizeClass } from '../../engine/arena.js';
import type { WeightSource } from './architecture.js';

/** Weights dtype a model is loaded with. */
export type WeightsDtype = 'float32' | 'bfloat16' | 'float16';

/** The sizes of a model that set its activation and cache memory. */
export interface ModelShape {
  layers: number;
  hidden: number;
  ffn: number;
  vocab: number;
  /** Key + value elements a decoder caches per token and layer (0 for an encoder). */
  kvPerToken: number;
  /** The model's context (positions). */
  maxPositions: number;
}

export interface Workload {
  batchSize: number;
  /** Tokens per sequence (prompt and generated ones). */
  sequenceLength: number;
}

export interface PretrainedMemory {
  numParameters: number;
  weightBytes: number;
  workloadBytes: number;
  total: number;
}

/** The shape of a loaded architecture's attn config (gpt2 → GPTConfig, llama, bert, distilbert). */
export function modelShape(architecture: string, config: unknown): ModelShape {
  const c = config as Record<string, number>;
  switch (architecture) {
    case 'gpt2':
      return { layers: c.nLayer!, hidden: c.nEmbd!, ffn: 4 * c.nEmbd!, vocab: c.vocabSize!, kvPerToken: 2 * c.nEmbd!, maxPositions: c.blockSize! };
    case 'llama':
      return { layers: c.numHiddenLayers!, hidden: c.hiddenSize!, ffn: c.intermediateSize!, vocab: c.vocabSize!, kvPerToken: 2 * c.numKeyValueHeads! * c.headDim!, maxPositions: c.blockSize! };
    case 'bert':
      return { layers: c.numHiddenLayers!, hidden: c.hiddenSize!, ffn: c.intermediateSize!, vocab: c.vocabSize!, kvPerToken: 0, maxPositions: c.maxPositionEmbeddings! };
    case 'distilbert':
      return { layers: c.nLayers!, hidden: c.dim!, ffn: c.hiddenDim!, vocab: c.vocabSize!, kvPerToken: 0, maxPositions: c.maxPositionEmbeddings! };
    default:
      throw new Error(`modelShape: unknown architecture ${JSON.stringify(architecture)}`);
  }
}

/** Arena bytes of the weights of `sources` stored as `weights` (see the module comment). */
export function weightBytes(sources: readonly WeightSource[], weights: WeightsDtype): number {
  let bytes = 0;
  for (const s of sources) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const width = s.shape.length >= 2 && weights !== 'float32' ? 2 : 4;
    bytes += sizeClass(Math.max(n, 1) * width);
  }
  return bytes;
}

/** Estimated bytes of one forward pass of `workload` plus the decoder's KV cache. */
export function workloadBytes(shape: ModelShape, workload: Workload): number {
  const tokens = workload.batchSize * Math.min(workload.sequenceLength, shape.maxPositions);
  const kvCache = shape.layers * tokens * shape.kvPerToken * 4;
  const block = tokens * (8 * shape.hidden + 3 * shape.ffn) * 4;
  const logits = shape.kvPerToken > 0 ? workload.batchSize * shape.vocab * 4 : 0;
  return kvCache + block + logits;
}

/** Weights plus workload for a model loaded with `weights`. */
export function pretrainedMemory(shape: ModelShape, sources: readonly WeightSource[], weights: WeightsDtype, workload: Workload): PretrainedMemory {
  const numParameters = sources.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  const w = weightBytes(sources, weights);
  const a = workloadBytes(shape, workload);
  return { numParameters, weightBytes: w, workloadBytes: a, total: w + a };
}

/**
 * A model that cannot fit in the arena. The fields are data (the CLI words its flags): the bytes
 * needed and free, and for each weights dtype what the model would need with it.
 */
export class ModelTooLargeError extends Error {
  override name = 'ModelTooLargeError';
  constructor(
    readonly path: string,
    readonly weights: WeightsDtype,
    readonly need: PretrainedMemory,
    readonly bytesAvailable: number,
    /** Bytes needed with each weights dtype. */
    readonly alternatives: Record<WeightsDtype, number>,
    readonly workload: Workload,
  ) {
    const fitting = (['bfloat16', 'float16'] as const).filter((d) => d !== weights && alternatives[d] <= bytesAvailable);
    const half = alternatives.bfloat16;
    const advice = weights === 'float32' && fitting.length > 0
      ? `half-precision weights would fit (weights: 'bfloat16' or 'float16', ${gib(half)})`
      : `even half-precision weights need ${gib(half)}`;
    super(
      `${path}: the model needs ${gib(need.total)} (${need.numParameters.toLocaleString('en-US')} parameters as ${weights} weights: ${gib(need.weightBytes)}; ` +
        `KV cache and activations for ${workload.batchSize}×${workload.sequenceLength} tokens: ${gib(need.workloadBytes)}), ` +
        `more than the ${gib(bytesAvailable)} free in the arena (wasm32 memory is at most 4 GiB); ${advice}; ` +
        `fine-tuning: LoRA adapters over frozen half-precision weights need about ${gib(loraBytes(need, alternatives.bfloat16))}`,
    );
  }
}

/** LoRA over a half base: the half model plus ~1% trained parameters × 16 bytes (weight, grad, two moments). */
export function loraBytes(need: PretrainedMemory, halfTotal: number): number {
  return halfTotal + 16 * Math.ceil(need.numParameters / 100);
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
