// A checkpoint is a folder of well-known files (the layout Hugging Face uses, so tools that know
// one know the other):
//
//   config.json                  model class + typed config
//   model.safetensors            parameters, PyTorch names
//   training_state.safetensors   optimizer moments, step, RNG (optional)
//   tokenizer.json               tokenizer (optional)
//   labels.json                  class names (optional)
//
// Every file is written via temp file + fsync + rename, so no file is ever seen truncated. A new
// folder is better still: it is assembled under a temp name and renamed into place in one step,
// so a crash leaves either no checkpoint or a complete one.
import { basename, dirname, exists as pathExists, joinPath as join, listDir, makeDir, processId, readText, remove, rename, stat } from '../platform/index.js';
import { fsyncDirectory, isTempName, tempPathFor, writeFileAtomic, wrapError } from './atomic-write.js';

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = {
  config: 'config.json',
  model: 'model.safetensors',
  trainingState: 'training_state.safetensors',
  tokenizer: 'tokenizer.json',
  labels: 'labels.json',
} as const;

/** A problem with a checkpoint file or folder; the message names the path. */
export class CheckpointFileError extends Error {
  readonly path: string;

  constructor(message: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointFileError';
    this.path = path;
  }
}

/**
 * Full paths of the checkpoint files in `dir`.
 *
 * @example
 * checkpointPaths('runs/exp1/step-1000').model; // 'runs/exp1/step-1000/model.safetensors'
 */
export function checkpointPaths(dir: string): { [K in keyof typeof CHECKPOINT_FILES]: string } {
  return {
    config: join(dir, CHECKPOINT_FILES.config),
    model: join(dir, CHECKPOINT_FILES.model),
    trainingState: join(dir, CHECKPOINT_FILES.trainingState),
    tokenizer: join(dir, CHECKPOINT_FILES.tokenizer),
    labels: join(dir, CHECKPOINT_FILES.labels),
  };
}

/**
 * Reads and parses a JSON file. `what` says what the file is for in the error message
 * ("model config", "label list"), which also names the path and says whether the file is missing
 * or not valid JSON. The result is `unknown` unless you assert a type: validate it.
 *
 * @example
 * const config = readJsonFile(join(dir, CHECKPOINT_FILES.config), 'model config');
 */
export function readJsonFile<T = unknown>(path: string, what: string): T {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'it is a directory, not a file'
          : err instanceof Error
            ? err.message
            : String(err);
    throw new CheckpointFileError(`cannot read ${what} ${path}: ${why}`, path, { cause: err });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // editors on Windows add a BOM
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    const why = text.trim() === '' ? 'the file is empty' : err instanceof Error ? err.message : String(err);
    throw new CheckpointFileError(`${what} ${path} is not valid JSON: ${why}`, path, { cause: err });
  }
}

function checkFileName(dir: string, name: string): void {
  if (
    name === '' ||
    name === '.' ||
    name === '..' ||
    name.includes('/') ||
    name.includes('\\') ||
    name.includes('\0')
  ) {
    throw new CheckpointFileError(
      `cannot write checkpoint ${dir}: file name ${JSON.stringify(name)} must be a plain name, not a path`,
      dir,
    );
  }
}

/**
 * Writes `files` (name → contents) into the folder `dir`, creating parent folders as needed.
 *
 * - If `dir` does not exist, the files are written into a temp folder next to it, which is then
 *   renamed to `dir`: the checkpoint appears complete or not at all.
 * - If it exists, each file is replaced atomically (temp + fsync + rename); other files in the
 *   folder are left alone. No file is ever left truncated.
 *
 * On failure nothing temporary is left behind and the error names the path.
 *
 * @example
 * writeCheckpointFolder('runs/exp1/step-1000', {
 *   [CHECKPOINT_FILES.config]: JSON.stringify(config, null, 2) + '\n',
 *   [CHECKPOINT_FILES.model]: encodeSafetensors(stateDict),
 * });
 */
export function writeCheckpointFolder(dir: string, files: Record<string, Uint8Array | string>): void {
  const names = Object.keys(files);
  for (const name of names) checkFileName(dir, name);

  let exists: boolean;
  try {
    const st = stat(dir);
    if (!st.isDirectory()) {
      throw new CheckpointFileError(`cannot write checkpoint ${dir}: it exists and is not a folder`, dir);
    }
    exists = true;
  } catch (err) {
    if (err instanceof CheckpointFileError) throw err;
    if ((err as { code?: string }).code !== 'ENOENT') throw wrapCheckpoint(dir, err);
    exists = false;
  }

  if (exists) {
    writeEach(dir, files, names);
    return;
  }

  try {
    makeDir(dirname(dir), { recursive: true });
  } catch (err) {
    throw wrapCheckpoint(dir, err);
  }
  const staging = tempPathFor(dir);
  try {
    makeDir(staging);
    for (const name of names) writeFileAtomic(join(staging, name), files[name]!);
  } catch (err) {
    removeQuietly(staging);
    throw wrapCheckpoint(dir, err);
  }
  try {
    rename(staging, dir);
  } catch (err) {
    // Someone created `dir` meanwhile (rename onto a non-empty folder fails): fall back to
    // replacing its files one by one.
    const code = (err as { code?: string }).code;
    removeQuietly(staging);
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EISDIR' || code === 'EPERM') {
      if (pathExists(dir) && stat(dir).isDirectory()) {
        writeEach(dir, files, names);
        return;
      }
    }
    throw wrapCheckpoint(dir, err);
  }
  fsyncDirectory(dirname(dir));
}

/**
 * Replaces the folder `dir` with one holding exactly `files`, as a whole: the new folder is
 * assembled under a temp name, the old one is renamed aside (to a temp name), the new one renamed
 * into place, then the old one removed. Files that belong together (a model and the optimizer state
 * of the same step) are never seen mixed, as replacing them one by one would leave them if the
 * process died in between. A crash between the two renames leaves no `dir` but two complete
 * temp-named folders beside it; `recoverReplacedFolder` puts the newer one back.
 *
 * @example
 * replaceCheckpointFolder('runs/exp1/checkpoint', { 'model.safetensors': weights, 'training_state.safetensors': state });
 */
export function replaceCheckpointFolder(dir: string, files: Record<string, Uint8Array | string>): void {
  if (!pathExists(dir)) {
    writeCheckpointFolder(dir, files);
    return;
  }
  const names = Object.keys(files);
  for (const name of names) checkFileName(dir, name);
  const staging = tempPathFor(dir);
  try {
    makeDir(staging);
    for (const name of names) writeFileAtomic(join(staging, name), files[name]!);
  } catch (err) {
    removeQuietly(staging);
    throw wrapCheckpoint(dir, err);
  }
  const old = tempPathFor(dir);
  try {
    rename(dir, old);
    rename(staging, dir);
  } catch (err) {
    if (!pathExists(dir) && pathExists(old)) rename(old, dir);
    removeQuietly(staging);
    throw wrapCheckpoint(dir, err);
  }
  fsyncDirectory(dirname(dir));
  removeQuietly(old);
}

/**
 * When `dir` is missing but a `replaceCheckpointFolder` was cut between its two renames, renames
 * the newest complete temp-named copy (one holding every name in `required`, each file complete
 * since each was written atomically) back to `dir`. Returns true when `dir` exists afterwards.
 *
 * @example
 * recoverReplacedFolder('runs/exp1/checkpoint', ['training_state.safetensors']);
 */
export function recoverReplacedFolder(dir: string, required: readonly string[]): boolean {
  if (pathExists(dir)) return true;
  const parent = dirname(dir);
  if (!pathExists(parent)) return false;
  const prefix = `.${basename(dir)}.tmp-`;
  const complete = listDir(parent)
    .filter((name) => name.startsWith(prefix) && isTempName(name))
    .map((name) => join(parent, name))
    .filter((path) => stat(path).isDirectory() && required.every((f) => pathExists(join(path, f))))
    .sort((a, b) => stat(join(b, required[0]!)).mtimeMs - stat(join(a, required[0]!)).mtimeMs);
  if (complete.length === 0) return false;
  rename(complete[0]!, dir);
  fsyncDirectory(parent);
  return true;
}

/**
 * Removes what writes cut short by a crash left in `dir`: temp files and unfinished staging
 * folders (`isTempName`) made by another process. A resume calls it after
 * `recoverReplacedFolder`, so a complete staging folder has been put back first; the current
 * process's own temp entries are left alone. Returns the names removed.
 *
 * ```ts
 * removeDeadTemps('runs/x/checkpoint'); // ['.model.safetensors.tmp-4242-9f1c2a7b3e5d']
 * ```
 */
export function removeDeadTemps(dir: string): string[] {
  if (!pathExists(dir)) return [];
  const own = `.tmp-${processId()}-`;
  const dead = listDir(dir).filter((name) => isTempName(name) && !name.includes(own));
  for (const name of dead) removeQuietly(join(dir, name));
  return dead;
}

function writeEach(dir: string, files: Record<string, Uint8Array | string>, names: string[]): void {
  for (const name of names) {
    try {
      writeFileAtomic(join(dir, name), files[name]!);
    } catch (err) {
      throw wrapCheckpoint(dir, err);
    }
  }
}

function wrapCheckpoint(dir: string, err: unknown): CheckpointFileError {
  const inner = wrapError(`cannot write checkpoint ${dir}`, err);
  const out = new CheckpointFileError(inner.message, dir, { cause: err });
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== undefined) (out as CheckpointFileError & { code?: unknown }).code = code;
  return out;
}

function removeQuietly(path: string): void {
  try {
    remove(path, { recursive: true, force: true });
  } catch {
    // best effort
  }
}
