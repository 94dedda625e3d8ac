/** `--weights-dtype`, shared by the commands that load a Hugging Face folder, and its error wording. */
import { UsageError } from './options.js';
import { ModelTooLargeError, type WeightsDtype } from '../models/hf/memory.js';

export const WEIGHTS_DTYPE_HELP =
  "how a Hugging Face folder's weight matrices are kept: float32, bfloat16 or float16 (half the memory, float32 compute), or auto: float32 when it fits, else the file's half dtype (default auto)";

/** The flag's value (default 'auto'); anything else is refused in one line. */
export function weightsDtypeFlag(value: string | undefined): WeightsDtype | 'auto' {
  if (value === undefined) return 'auto';
  if (value === 'float32' || value === 'bfloat16' || value === 'float16' || value === 'auto') return value;
  throw new UsageError(`--weights-dtype must be float32, bfloat16, float16 or auto, got '${value}'`);
}

/**
 * A ModelTooLargeError worded with the flags that would make it fit (null for other errors). An
 * error named so that crossed a worker thread (attn serve's model worker) is worded the same.
 */
export function wordModelTooLarge(err: unknown): string | null {
  if (!(err instanceof ModelTooLargeError) && !(err instanceof Error && err.name === 'ModelTooLargeError')) return null;
  return err.message
    .replace("half-precision weights would fit (weights: 'bfloat16' or 'float16',", 'half-precision weights would fit (--weights-dtype bfloat16 or float16,')
    .replace('fine-tuning: LoRA adapters over frozen half-precision weights need', 'fine-tuning with --lora-rank 8 --weights-dtype bfloat16 needs');
}
