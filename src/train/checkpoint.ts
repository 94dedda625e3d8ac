/**
 * Reading and writing run folders. A run folder holds the best model so far, ready for
 * `attn eval` / `attn predict`, and `checkpoint/`, the latest full state for `attn train --resume`:
 *
 *   <run>/config.json, model.safetensors, tokenizer.json, labels.json, metrics.json, log.jsonl
 *   <run>/checkpoint/config.json, model.safetensors, training_state.safetensors
 *
 * Every file is written atomically, so an interrupted save never leaves a truncated checkpoint.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { ENGINE } from '../engine/engine.js';
import { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../ops/creation.js';
import { encodeSafetensors, loadSafetensorsFile, type RawTensor } from '../io/safetensors.js';
import { CHECKPOINT_FILES, readJsonFile, writeCheckpointFolder } from '../io/checkpoint-files.js';

/** Tensors → the raw form the safetensors writer takes (bool is stored as int32). */
export function toRawTensors(tensors: Record<string, Tensor>): Record<string, RawTensor> {
  const raw: Record<string, RawTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const data = t.data();
    raw[name] = data instanceof Float32Array ? { dtype: 'float32', shape: [...t.shape], data } : { dtype: 'int32', shape: [...t.shape], data };
  }
  return raw;
}

export function encodeTensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(toRawTensors(tensors), metadata);
}

/** Loads a safetensors file as tensors (kept out of any tidy scope: the caller owns them). */
export function loadTensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const { tensors, metadata } = loadSafetensorsFile(path);
  const out: Record<string, Tensor> = {};
  for (const [name, raw] of Object.entries(tensors)) {
    const t = fromArray(raw.data, raw.shape, { dtype: raw.dtype });
    ENGINE.untrack(t);
    out[name] = t;
  }
  return { tensors: out, metadata };
}

export function writeRunFiles(dir: string, files: Record<string, Uint8Array | string>): void {
  writeCheckpointFolder(dir, files);
}

export function readJson<T>(dir: string, file: string, what: string): T {
  return readJsonFile<T>(join(dir, file), what);
}

export function checkpointDir(runDir: string): string {
  return join(runDir, 'checkpoint');
}

/** True when `dir` looks like a trained model folder (has config.json and model.safetensors). */
export function isModelDir(dir: string): boolean {
  return fs.existsSync(join(dir, CHECKPOINT_FILES.config)) && fs.existsSync(join(dir, CHECKPOINT_FILES.model));
}

export { CHECKPOINT_FILES };
