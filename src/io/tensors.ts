/**
 * Safetensors files of `Tensor`s: the bridge between `io/safetensors.ts` (raw arrays) and the
 * tensor world. A PyTorch `state_dict` saved with `safetensors.torch.save_file` loads here and
 * goes straight into `module.loadStateDict`.
 */
import { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../ops/creation.js';
import type { RawTensor } from './safetensors.js';
import { loadSafetensorsFile, saveSafetensorsFile } from './safetensors-file.js';

/**
 * Raw arrays of tensors (bool becomes int32 0/1 and bfloat16/float16 is widened to float32,
 * exactly: the writer stores F32 and I32 only).
 */
export function tensorsToRaw(tensors: Record<string, Tensor>): Record<string, RawTensor> {
  const raw: Record<string, RawTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new TypeError(`saveSafetensors: ${JSON.stringify(name)} is not a Tensor`);
    t.assertAlive(`saveSafetensors (${name})`);
    const float = t.dtype === 'float32' || t.dtype === 'bfloat16' || t.dtype === 'float16';
    raw[name] = { dtype: float ? 'float32' : 'int32', shape: [...t.shape], data: t.data() };
  }
  return raw;
}

/** Tensors from raw arrays (float32 or int32). */
export function rawToTensors(raw: Record<string, RawTensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, r] of Object.entries(raw)) out[name] = fromArray(r.data, r.shape, { dtype: r.dtype });
  return out;
}

/**
 * Writes tensors to a safetensors file, atomically; `metadata` (string values) goes into
 * `__metadata__`.
 *
 * ```ts
 * saveSafetensors('model.safetensors', model.stateDict(), { format: 'pt' });
 * ```
 */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  saveSafetensorsFile(path, tensorsToRaw(tensors), metadata);
}

/**
 * Reads a safetensors file as tensors (float dtypes become float32, integer and bool int32). The
 * tensors are new and tracked like any other: load inside `tidy`, or dispose them after use.
 *
 * ```ts
 * const { tensors, metadata } = loadSafetensors('model.safetensors');
 * model.loadStateDict(tensors);
 * dispose(tensors);
 * ```
 */
export function loadSafetensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const { tensors, metadata } = loadSafetensorsFile(path);
  return { tensors: rawToTensors(tensors), metadata };
}
