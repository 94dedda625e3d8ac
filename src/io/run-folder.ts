/**
 * The run folder, the one owner of its file names. A run folder holds the best model so far,
 * ready for `attn eval` / `attn predict`, and `checkpoint/`, the latest full state for resuming:
 *
 *   <run>/config.json, model.safetensors, tokenizer.json, labels.json (classifiers),
 *         metrics.json, log.jsonl, train-options.json, train.bin + val.bin (language models)
 *   <run>/checkpoint/config.json, model.safetensors, training_state.safetensors
 *   <run>/pretrain/   the same layout, for a masked-LM pretraining phase
 *
 * Every file but the log is written atomically (temp file, fsync, rename), so an interrupted save
 * never leaves a truncated file. Token files are nanoGPT's train.bin: raw little-endian uint16 ids.
 *
 * ```ts
 * const run = new RunFolder('runs/spam');
 * run.writeModel({ config, weights: model.stateDict(), tokenizer: tokenizer.toJSON(), labels });
 * const config = run.readJson('config', 'model config');
 * ```
 */
import { appendText, exists, joinPath as join, makeDir, readBytes } from '../platform/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { encodeSafetensors } from './safetensors.js';
import { loadSafetensors, tensorsToRaw } from './tensors.js';
import { CHECKPOINT_FILES, readJsonFile, writeCheckpointFolder } from './checkpoint-files.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';

/** Every file name a run folder uses. */
export const RUN_FILES = {
  ...CHECKPOINT_FILES,
  metrics: 'metrics.json',
  log: 'log.jsonl',
  trainOptions: 'train-options.json',
  trainTokens: 'train.bin',
  validationTokens: 'val.bin',
} as const;
export type RunFile = keyof typeof RUN_FILES;

/** Sub-folders of a run folder. */
export const RUN_FOLDERS = { checkpoint: 'checkpoint', pretrain: 'pretrain' } as const;

/** A problem with a run folder; `dir` names it and `problem` says what is wrong (the CLI adds the flag that named it). */
export class RunFolderError extends Error {
  override name = 'RunFolderError';
  constructor(readonly dir: string, readonly problem: string) {
    super(`${dir}: ${problem}`);
  }
}

/** The files of a model written into a run folder (or its checkpoint). */
export interface ModelFiles {
  config: unknown;
  weights: Record<string, Tensor>;
  /** tokenizer.json contents; omitted from checkpoints. */
  tokenizer?: unknown;
  /** Class names (labels.json); null or absent for a model without classes. */
  labels?: readonly string[] | null;
}

/** What `checkpoint/training_state.safetensors` holds: tensors (optimizer moments) and JSON strings. */
export interface TrainingStateFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export class RunFolder {
  constructor(readonly dir: string) {}

  /** The full path of one of the run's files. */
  path(file: RunFile): string {
    return join(this.dir, RUN_FILES[file]);
  }

  /** `<run>/checkpoint/`: the latest full state, for resuming. */
  get checkpoint(): RunFolder {
    return new RunFolder(join(this.dir, RUN_FOLDERS.checkpoint));
  }

  /** `<run>/pretrain/`: the masked-LM pretraining phase, a run folder of its own. */
  get pretrain(): RunFolder {
    return new RunFolder(join(this.dir, RUN_FOLDERS.pretrain));
  }

  exists(): boolean {
    return exists(this.dir);
  }

  has(file: RunFile): boolean {
    return exists(this.path(file));
  }

  /** True when the folder holds a trained model (config.json and model.safetensors). */
  isModel(): boolean {
    return this.has('config') && this.has('model');
  }

  /** True when `checkpoint/` holds a training state to resume from. */
  hasCheckpoint(): boolean {
    return this.checkpoint.has('trainingState');
  }

  /** Creates the folder (and its parents). */
  create(): void {
    makeDir(this.dir, { recursive: true });
  }

  /** Writes config.json, model.safetensors and, when given, tokenizer.json and labels.json. */
  writeModel(files: ModelFiles): void {
    writeCheckpointFolder(this.dir, {
      [RUN_FILES.config]: json(files.config),
      [RUN_FILES.model]: encodeSafetensors(tensorsToRaw(files.weights), { format: 'pt' }),
      ...(files.tokenizer !== undefined ? { [RUN_FILES.tokenizer]: `${JSON.stringify(files.tokenizer)}\n` } : {}),
      ...(files.labels ? { [RUN_FILES.labels]: json(files.labels) } : {}),
    });
  }

  /** Writes `checkpoint/`: the model and the training state. */
  writeCheckpoint(files: ModelFiles & { state: TrainingStateFile }): void {
    writeCheckpointFolder(this.checkpoint.dir, {
      [RUN_FILES.config]: json(files.config),
      [RUN_FILES.model]: encodeSafetensors(tensorsToRaw(files.weights), { format: 'pt' }),
      [RUN_FILES.trainingState]: encodeSafetensors(tensorsToRaw(files.state.tensors), files.state.metadata),
    });
  }

  /**
   * The checkpoint's weights and training state; the caller disposes the tensors. A folder with
   * no checkpoint gives a `RunFolderError`.
   */
  readCheckpoint(): { weights: Record<string, Tensor>; state: TrainingStateFile } {
    const checkpoint = this.checkpoint;
    if (!this.hasCheckpoint()) throw new RunFolderError(this.dir, `no checkpoint found (expected ${checkpoint.path('trainingState')})`);
    checkpoint.readJson('config', 'model config');
    const weights = loadSafetensors(checkpoint.path('model')).tensors;
    const { tensors, metadata } = loadSafetensors(checkpoint.path('trainingState'));
    return { weights, state: { tensors, metadata } };
  }

  /** The tensors of model.safetensors (the caller disposes them). */
  readWeights(): Record<string, Tensor> {
    return loadSafetensors(this.path('model')).tensors;
  }

  /** Parses one of the run's JSON files; `what` names it in errors (which give the path and the reason). */
  readJson<T = unknown>(file: RunFile, what: string): T {
    return readJsonFile<T>(this.path(file), what);
  }

  /** Writes one of the run's JSON files atomically. */
  writeJson(file: RunFile, value: unknown): void {
    writeJsonAtomic(this.path(file), value);
  }

  /** Appends one line to log.jsonl. */
  appendLog(record: object): void {
    appendText(this.path('log'), `${JSON.stringify(record)}\n`);
  }

  /** Writes a token file (train.bin / val.bin) as raw little-endian uint16 ids, as nanoGPT. */
  writeTokens(file: 'trainTokens' | 'validationTokens', ids: ArrayLike<number>): void {
    const out = new Uint16Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(Number.isInteger(id) && id >= 0 && id < 65536)) throw new RunFolderError(this.dir, `${RUN_FILES[file]}: token id ${id} at ${i} does not fit uint16 (0…65535)`);
      out[i] = id;
    }
    writeFileAtomic(this.path(file), new Uint8Array(out.buffer));
  }

  /** Reads a token file written by `writeTokens`. */
  readTokens(file: 'trainTokens' | 'validationTokens'): Uint16Array {
    let bytes: Uint8Array;
    try {
      bytes = readBytes(this.path(file));
    } catch (err) {
      throw new RunFolderError(this.dir, `cannot read ${RUN_FILES[file]}: ${(err as { code?: string }).code === 'ENOENT' ? 'file not found' : String(err)}`);
    }
    if (bytes.byteLength % 2 !== 0) throw new RunFolderError(this.dir, `${RUN_FILES[file]} has ${bytes.byteLength} bytes; a file of uint16 ids has an even number`);
    // Copied: the bytes may sit at an odd offset of a shared buffer, where a Uint16Array view cannot start.
    const out = new Uint16Array(bytes.byteLength / 2);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
}
