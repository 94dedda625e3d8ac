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
import type { Tensor } from '../tensor/tensor.js';
import { encodeSafetensors } from '../io/safetensors.js';
import { tensorsToRaw } from '../io/tensors.js';
import { CHECKPOINT_FILES, readJsonFile } from '../io/checkpoint-files.js';

/** A safetensors file's bytes for tensors (written into a run folder with the other files, atomically). */
export function encodeTensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(tensorsToRaw(tensors), metadata);
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
