/**
 * The run folder, the one owner of its file names. A run folder holds the best model so far,
 * ready for `attn eval` / `attn predict`, and `checkpoint/`, the latest full state for resuming:
 *
 *   <run>/config.json, model.safetensors, tokenizer.json, labels.json (classifiers),
 *         metrics.json, log.jsonl, train-options.json, data-sources.json (size and hash of each data file),
 *         train.bin + val.bin (language models)
 *   <run>/checkpoint/config.json, model.safetensors, training_state.safetensors
 *   <run>/pretrain/   the same layout, for a masked-LM pretraining phase
 *
 * Every file but the log is written atomically (temp file, fsync, rename), so an interrupted save
 * never leaves a truncated file. Token files (nanoGPT's train.bin / val.bin) use the checked format of
 * `data/token-file.ts`.
 *
 * ```ts
 * const run = new RunFolder('runs/spam');
 * run.writeModel({ config, weights: model.stateDict(), tokenizer: tokenizer.toJSON(), labels });
 * const config = run.readJson('config', 'model config');
 * ```
 */
import { appendText, dirname, exists, joinPath as join, listDir, makeDir, readText, remove, stat } from '../platform/index.js';
import { encodeTokenFile, readTokenFile, type TokenArray } from '../data/token-file.js';
import { describeDataChange, fingerprintDataSource, type DataFingerprint } from '../data/fingerprint.js';
import type { Tensor } from '../tensor/tensor.js';
import { encodeSafetensors } from './safetensors.js';
import { loadSafetensors, tensorsToRaw } from './tensors.js';
import { CHECKPOINT_FILES, readJsonFile, recoverReplacedFolder, removeDeadTemps, replaceCheckpointFolder, writeCheckpointFolder } from './checkpoint-files.js';
import { isTempName, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';

/** Every file name a run folder uses. */
export const RUN_FILES = {
  ...CHECKPOINT_FILES,
  metrics: 'metrics.json',
  log: 'log.jsonl',
  trainOptions: 'train-options.json',
  dataSources: 'data-sources.json',
  trainTokens: 'train.bin',
  validationTokens: 'val.bin',
} as const;
export type RunFile = keyof typeof RUN_FILES;

/** Sub-folders of a run folder. */
export const RUN_FOLDERS = { checkpoint: 'checkpoint', pretrain: 'pretrain' } as const;

/** Every name a run folder holds at its top level: what `overwrite` may remove. */
const RUN_ENTRY_NAMES: ReadonlySet<string> = new Set([...Object.values(RUN_FILES), ...Object.values(RUN_FOLDERS)]);

/**
 * A problem with a run folder; `dir` names it and `problem` says what is wrong (the CLI adds the
 * flag that named it). `remedy`, when there is one, names the option that would fix it (the CLI
 * words it as its flag).
 */
export class RunFolderError extends Error {
  override name = 'RunFolderError';
  constructor(readonly dir: string, readonly problem: string, readonly remedy?: { option: string; action: string }) {
    super(`${dir}: ${problem}${remedy ? `; ${remedy.action} with ${remedy.option}` : ''}`);
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

  /**
   * True when `checkpoint/` holds a training state to resume from. A resume asks it first, so it
   * also repairs what a crash left: it puts back a checkpoint whose replacement was cut short, then
   * removes the temp files and unfinished staging folders of writes that never ended.
   */
  hasCheckpoint(): boolean {
    recoverReplacedFolder(this.checkpoint.dir, [RUN_FILES.trainingState, RUN_FILES.model, RUN_FILES.config]);
    removeDeadTemps(this.dir);
    removeDeadTemps(this.checkpoint.dir);
    return this.checkpoint.has('trainingState');
  }

  /**
   * Checks, before a resume reads anything, that the folder holds a run training can continue (a
   * folder with `train-options.json`); throws a `RunFolderError` saying what is there instead.
   *
   * ```ts
   * new RunFolder('runs/typo').checkResumable(); // RunFolderError: "runs/typo: no such folder"
   * ```
   */
  checkResumable(): void {
    if (!exists(this.dir)) throw new RunFolderError(this.dir, 'no such folder');
    if (!stat(this.dir).isDirectory()) throw new RunFolderError(this.dir, 'is a file, not a run folder');
    if (this.has('trainOptions')) return;
    const what = this.isModel() ? 'holds a model but not the training options a resume needs' : 'holds no run to resume';
    throw new RunFolderError(this.dir, `${what} (no ${RUN_FILES.trainOptions}); expected a folder a training run wrote`);
  }

  /** Creates the folder (and its parents). */
  create(): void {
    makeDir(this.dir, { recursive: true });
  }

  /**
   * Checks, before any work, that a new run may be written here: the path is not a file, and a
   * folder that already holds files is refused unless `overwrite` (two runs' steps in one
   * log.jsonl, or an old `pretrain/` beside a new model, would silently mix); even then, only a
   * folder holding nothing but a run's files may be emptied. Writes nothing: call
   * `prepareNew` when the run is about to write its first file. Throws a `RunFolderError`.
   *
   * ```ts
   * new RunFolder('runs/spam').checkNew({ overwrite: false }); // RunFolderError if runs/spam holds a run
   * ```
   */
  checkNew(options: { overwrite?: boolean } = {}): void {
    if (!exists(this.dir)) {
      // It will be created with its parents: none of them may be a file.
      for (let at = this.dir, up = dirname(at); up !== at; at = up, up = dirname(up)) {
        if (!exists(up)) continue;
        if (!stat(up).isDirectory()) throw new RunFolderError(this.dir, `${up} is a file, not a folder; give a folder for the run`);
        break;
      }
      return;
    }
    if (!stat(this.dir).isDirectory()) throw new RunFolderError(this.dir, 'is a file, not a folder; give a folder for the run');
    const entries = listDir(this.dir).sort();
    if (entries.length === 0) return;
    if (options.overwrite) {
      // Overwriting empties the folder: never a folder holding anything but a run (`--out .` would wipe a project).
      const foreign = entries.filter((name) => !RUN_ENTRY_NAMES.has(name) && !isTempName(name));
      if (foreign.length === 0) return;
      const listed = foreign.length > 4 ? `${foreign.slice(0, 4).join(', ')}, … (${foreign.length} entries)` : foreign.join(', ');
      throw new RunFolderError(this.dir, `holds entries that are not part of a run (${listed}); overwrite only replaces a run folder: choose another folder`);
    }
    const shown = entries.length > 4 ? `${entries.slice(0, 4).join(', ')}, … (${entries.length} entries)` : entries.join(', ');
    throw new RunFolderError(this.dir, `is not empty (${shown}); choose another folder, or resume the run it holds`, { option: 'overwrite', action: 'replace it' });
  }

  /** Checks as `checkNew` does, then empties the folder (with `overwrite`) and creates it: a new run starts from nothing. */
  prepareNew(options: { overwrite?: boolean } = {}): void {
    this.checkNew(options);
    if (exists(this.dir)) for (const entry of listDir(this.dir)) remove(join(this.dir, entry), { recursive: true, force: true });
    this.create();
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

  /** Writes `checkpoint/`: the model and the training state, replaced as a whole (never one step's model with another's optimizer state). */
  writeCheckpoint(files: ModelFiles & { state: TrainingStateFile }): void {
    replaceCheckpointFolder(this.checkpoint.dir, {
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
    if (!this.hasCheckpoint()) {
      // Stopped before its first checkpoint (killed, not interrupted): nothing to continue from.
      throw new RunFolderError(this.dir, `no checkpoint found (expected ${checkpoint.path('trainingState')}): the run stopped before its first one; train it again in this folder (its options are in ${RUN_FILES.trainOptions})`, { option: 'overwrite', action: 'replacing what it holds' });
    }
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

  /**
   * Records the size and hash of each data file or folder the run reads (data-sources.json), for
   * `checkDataSources`. `sources` are paths as the run records them (absolute); built-in corpora
   * and data in memory are left out by the caller.
   */
  recordDataSources(sources: readonly string[]): void {
    this.writeJson('dataSources', sources.map((source) => fingerprintDataSource(source)));
  }

  /**
   * Refuses (`RunFolderError`) when a data source recorded by `recordDataSources` has changed
   * since: a resumed run would continue on other data, and a re-derived test split could hold
   * examples the model was trained on. A run folder without the record is not checked.
   */
  checkDataSources(): void {
    if (!this.has('dataSources')) return;
    const recorded = this.readJson<DataFingerprint[]>('dataSources', 'data fingerprints');
    for (const before of recorded) {
      let change: string | null;
      try {
        change = describeDataChange(before, fingerprintDataSource(before.source));
      } catch {
        change = `${before.source} cannot be read any more`;
      }
      if (change) {
        throw new RunFolderError(this.dir, `the data changed since the run was trained: ${change}; restore it, or train a new run on the new data`);
      }
    }
  }

  /**
   * Cuts log.jsonl back to the steps up to `step` (a resumed run's checkpoint), so the steps run
   * again after a crash are not logged twice; a line cut short by the crash goes too.
   */
  truncateLog(step: number): void {
    if (!this.has('log')) return;
    const kept = readText(this.path('log')).split('\n').filter((line) => {
      try {
        const record = JSON.parse(line) as { step?: unknown };
        return typeof record.step === 'number' && record.step <= step;
      } catch {
        return false;
      }
    });
    writeFileAtomic(this.path('log'), kept.map((line) => `${line}\n`).join(''));
  }

  /** Appends one line to log.jsonl. */
  appendLog(record: object): void {
    appendText(this.path('log'), `${JSON.stringify(record)}\n`);
  }

  /** Writes a token file (train.bin / val.bin) atomically, in the token file format of `data/token-file.ts` (ids below `vocabSize`). */
  writeTokens(file: 'trainTokens' | 'validationTokens', tokens: ArrayLike<number>, vocabSize: number): void {
    writeFileAtomic(this.path(file), encodeTokenFile(tokens, vocabSize));
  }

  /** Reads a token file written by `writeTokens`; with `expectVocabSize`, refuses one made for another vocabulary. */
  readTokens(file: 'trainTokens' | 'validationTokens', options: { expectVocabSize?: number } = {}): TokenArray {
    return readTokenFile(this.path(file), options).tokens;
  }
}
