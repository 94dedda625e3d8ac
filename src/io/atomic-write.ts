// Crash-safe file writes: write a temp file next to the target, fsync it, rename it over the
// target. A reader (or a crash) sees either the old file or the complete new one, never a
// truncated mix. The temp file lives in the same directory because rename is only atomic within
// one file system.
//
// The file calls go through the platform seam; its Node implementation calls `fs.x(...)` on the
// module object at call time, so tests can still inject a failure midway with
// `mock.method(fs, 'fsyncSync', ...)`.
import {
  basename, closeFile, dirname, joinPath, openFile, processId, randomBytes, remove, rename, stat, syncFile, writeFileAt,
} from '../platform/index.js';

/** Every temp file name contains this; tests and cleanup tools look for it. */
export const TEMP_MARKER = '.tmp-';

/**
 * The temp file name used for `path`: `.name.tmp-<pid>-<random>` in the same directory.
 *
 * @example
 * tempPathFor('/ckpt/model.safetensors'); // '/ckpt/.model.safetensors.tmp-4242-9f1c2a7b3e5d'
 */
export function tempPathFor(path: string): string {
  const rand = [...randomBytes(6)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return joinPath(dirname(path), `.${basename(path)}${TEMP_MARKER}${processId()}-${rand}`);
}

/**
 * True for names made by `tempPathFor` (leftovers of a crash can be deleted).
 *
 * @example
 * isTempName('.model.safetensors.tmp-4242-9f1c2a7b3e5d'); // true
 */
export function isTempName(name: string): boolean {
  return /^\..*\.tmp-\d+-[0-9a-f]{12}$/s.test(name);
}

/**
 * Writes `data` to `path` atomically: temp file in the same directory, fsync, rename over the
 * target, then (best effort) fsync the directory so the rename itself is durable. If anything
 * fails, the temp file is removed, the target is left as it was, and an error naming `path` is
 * thrown (with the original error as `cause` and its `code`, e.g. `ENOENT`, copied over).
 * An existing target's permission bits are kept.
 *
 * @example
 * writeFileAtomic('runs/exp1/notes.txt', 'lr=3e-4\n');
 * writeFileAtomic('runs/exp1/model.safetensors', encodeSafetensors(tensors));
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  let tmpCreated = false;
  try {
    let mode = 0o666; // before umask, like fs.writeFileSync
    try {
      const st = stat(path);
      if (st.isFile()) mode = st.mode & 0o7777;
    } catch {
      // no existing target: default mode
    }
    fd = openFile(tmp, 'wx', mode);
    tmpCreated = true;
    let written = 0;
    while (written < bytes.byteLength) {
      written += writeFileAt(fd, bytes, written, bytes.byteLength - written);
    }
    syncFile(fd);
    closeFile(fd);
    fd = undefined;
    rename(tmp, path);
    tmpCreated = false;
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeFile(fd);
      } catch {
        // already failing; the original error matters more
      }
    }
    if (tmpCreated) {
      try {
        remove(tmp);
      } catch {
        // nothing more we can do; the name makes a leftover recognizable
      }
    }
    throw wrapError(`cannot write ${path}`, err);
  }
  fsyncDirectory(dirname(path));
}

/**
 * Writes `value` as pretty-printed JSON (2-space indent, trailing newline) atomically.
 *
 * @example
 * writeJsonAtomic('runs/exp1/config.json', { dModel: 128, nHeads: 4 });
 */
export function writeJsonAtomic(path: string, value: unknown): void {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) {
    throw new TypeError(`cannot write ${path}: value of type ${typeof value} is not JSON-serializable`);
  }
  writeFileAtomic(path, text + '\n');
}

/**
 * Flushes a directory entry change (rename, create) to disk. Best effort: some platforms
 * (Windows) and file systems refuse to open or fsync a directory, which is not an error here.
 */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openFile(dir, 'r');
    syncFile(fd);
  } catch {
    // unsupported here; the data itself was already fsynced
  } finally {
    if (fd !== undefined) {
      try {
        closeFile(fd);
      } catch {
        // ignore
      }
    }
  }
}

/** An Error whose message starts with `prefix`, keeping the cause and its errno code. */
export function wrapError(prefix: string, err: unknown): Error {
  const detail = err instanceof Error ? err.message : String(err);
  const wrapped = new Error(`${prefix}: ${detail}`, { cause: err }) as Error & { code?: unknown };
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== undefined) wrapped.code = code;
  return wrapped;
}
