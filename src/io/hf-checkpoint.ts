/**
 * The weights of a Hugging Face model folder: `model.safetensors`, or shards listed by
 * `model.safetensors.index.json` (`{"metadata": {...}, "weight_map": {tensor: shard file}}`), as
 * `save_pretrained` writes them. Every shard is opened and its header validated up front (a missing
 * shard, a truncated shard or a tensor the index puts in the wrong shard fails before any tensor
 * is read); then tensors are read one at a time by byte range, so the checkpoint is never in
 * memory twice.
 *
 * Traps:
 * - `pytorch_model.bin` (pickle) is not read: it runs code when unpickled. Convert it with
 *   `safetensors` first (the error says so).
 * - A shard may hold tensors the index does not list (older writers); the index is authoritative
 *   for the names it lists, the shard headers for the rest.
 */
import { exists, joinPath, readText, stat } from '../platform/index.js';
import { openSafetensorsFile, type SafetensorsReader } from './safetensors-file.js';
import type { RawTensor, SafetensorsEntry } from './safetensors.js';

/** A problem with a model folder's files; the message names the folder or file. */
export class PretrainedFolderError extends Error {
  override name = 'PretrainedFolderError';
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`);
  }
}

export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/** Where one tensor lives. */
export interface CheckpointTensor {
  name: string;
  /** The shard's path. */
  file: string;
  entry: SafetensorsEntry;
}

/** The open weight files of a folder. */
export interface HfCheckpoint {
  /** The files, in index order (one for a single file). */
  readonly files: readonly string[];
  /** Every tensor, by name. */
  readonly tensors: ReadonlyMap<string, CheckpointTensor>;
  /** Reads one tensor (converted to float32 or int32) by its byte range. */
  read(name: string): RawTensor;
  /** One tensor's stored bytes, unconverted (half-precision weights kept as they are). */
  readBytes(name: string): Uint8Array;
  /** Closes every file. */
  close(): void;
}

/**
 * Opens the safetensors weights of a Hugging Face folder (single file or sharded with an index).
 *
 * ```ts
 * const ckpt = openHfCheckpoint('models/gpt2');
 * try {
 *   const wte = ckpt.read('wte.weight'); // { dtype: 'float32', shape: [50257, 768], data }
 * } finally {
 *   ckpt.close();
 * }
 * ```
 */
export function openHfCheckpoint(dir: string): HfCheckpoint {
  const indexPath = joinPath(dir, WEIGHTS_INDEX_FILE);
  const singlePath = joinPath(dir, SINGLE_WEIGHTS_FILE);
  let shardFiles: string[];
  let weightMap: Record<string, string> | null = null;
  if (exists(indexPath)) {
    ({ shardFiles, weightMap } = readIndex(dir, indexPath));
  } else if (exists(singlePath)) {
    shardFiles = [singlePath];
  } else {
    const bin = exists(joinPath(dir, 'pytorch_model.bin')) ? ' (pytorch_model.bin is a pickle, which attn does not read: convert it to safetensors)' : '';
    throw new PretrainedFolderError(dir, `no weights: expected ${SINGLE_WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE}${bin}`);
  }

  const readers: SafetensorsReader[] = [];
  const close = () => {
    for (const r of readers) r.close();
  };
  try {
    for (const file of shardFiles) {
      if (!exists(file) || !stat(file).isFile()) {
        throw new PretrainedFolderError(indexPath, `names shard ${JSON.stringify(file.slice(dir.length + 1))}, which is not in the folder`);
      }
      readers.push(openSafetensorsFile(file)); // validates the header against the file size (truncation)
    }
    const tensors = new Map<string, CheckpointTensor & { reader: SafetensorsReader }>();
    for (const reader of readers) {
      for (const entry of reader.header.entries) {
        const other = tensors.get(entry.name);
        if (other) throw new PretrainedFolderError(reader.path, `tensor ${JSON.stringify(entry.name)} is also in ${other.file}`);
        tensors.set(entry.name, { name: entry.name, file: reader.path, entry, reader });
      }
    }
    if (weightMap) {
      for (const [name, shard] of Object.entries(weightMap)) {
        const where = tensors.get(name);
        const shardPath = joinPath(dir, shard);
        if (!where) throw new PretrainedFolderError(indexPath, `maps tensor ${JSON.stringify(name)} to ${shard}, which does not hold it`);
        if (where.file !== shardPath) throw new PretrainedFolderError(indexPath, `maps tensor ${JSON.stringify(name)} to ${shard}, but it is in ${where.file}`);
      }
    }
    return {
      files: shardFiles,
      tensors,
      read(name) {
        const t = tensors.get(name);
        if (!t) throw new PretrainedFolderError(dir, `no tensor ${JSON.stringify(name)} in ${shardFiles.join(', ')}`);
        return t.reader.read(name);
      },
      readBytes(name) {
        const t = tensors.get(name);
        if (!t) throw new PretrainedFolderError(dir, `no tensor ${JSON.stringify(name)} in ${shardFiles.join(', ')}`);
        return t.reader.readBytes(name);
      },
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}

function readIndex(dir: string, indexPath: string): { shardFiles: string[]; weightMap: Record<string, string> } {
  let json: unknown;
  try {
    json = JSON.parse(readText(indexPath));
  } catch (err) {
    throw new PretrainedFolderError(indexPath, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new PretrainedFolderError(indexPath, `expected {"weight_map": {tensor: shard file}}, got ${JSON.stringify(json)?.slice(0, 80)}`);
  }
  const shardFiles: string[] = [];
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard.length === 0 || shard.includes('/') || shard.includes('\\') || shard.startsWith('.')) {
      throw new PretrainedFolderError(indexPath, `weight_map[${JSON.stringify(name)}] must be a file name in the folder, got ${JSON.stringify(shard)}`);
    }
    const path = joinPath(dir, shard);
    if (!shardFiles.includes(path)) shardFiles.push(path);
  }
  return { shardFiles, weightMap: map as Record<string, string> };
}
