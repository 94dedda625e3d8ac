// Safetensors files: the codec in safetensors.ts, on bytes, plus the file system through the
// platform seam. Writing is atomic (temp file + fsync + rename); reading the header touches only
// the first 8 + N bytes, so it is fast on large files.
import { closeFile, maxBytes, openFile, readFileAt, statFile } from '../platform/index.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  MAX_HEADER_BYTES, SafetensorsError, dataView, decodeSafetensors, encodeSafetensors, fail, parseHeader,
  type RawTensor, type SafetensorsHeader,
} from './safetensors.js';

/**
 * Encodes and writes a safetensors file atomically (temp file + fsync + rename): a crash leaves
 * either the old file or the complete new one.
 *
 * @example
 * saveSafetensorsFile('runs/exp1/model.safetensors', model.stateDictRaw(), { format: 'pt' });
 */
export function saveSafetensorsFile(
  path: string,
  tensors: Record<string, RawTensor>,
  metadata?: Record<string, string>,
): void {
  const bytes = encodeSafetensors(tensors, metadata, path);
  try {
    writeFileAtomic(path, bytes);
  } catch (err) {
    fail(path, `cannot write: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
}

/**
 * Reads and validates only the header of a safetensors file (fast on large files: reads the
 * first 8 + N bytes and the file size).
 *
 * @example
 * const { entries } = readSafetensorsFileHeader('runs/exp1/model.safetensors');
 */
export function readSafetensorsFileHeader(path: string): SafetensorsHeader {
  return withFile(path, (fd, size) => {
    const lengthBytes = readRange(fd, 0, Math.min(8, size), path);
    if (size < 8) return parseHeader(lengthBytes, size, path);
    const n64 = dataView(lengthBytes).getBigUint64(0, true);
    const take = n64 > BigInt(MAX_HEADER_BYTES) || 8 + Number(n64) > size ? 8 : 8 + Number(n64);
    return parseHeader(readRange(fd, 0, take, path), size, path);
  });
}

/**
 * Reads and decodes a safetensors file (see `decodeSafetensors`). Errors, including a missing
 * file, are SafetensorsErrors naming the path.
 *
 * @example
 * const { tensors } = loadSafetensorsFile('runs/exp1/model.safetensors');
 */
export function loadSafetensorsFile(path: string): {
  tensors: Record<string, RawTensor>;
  metadata: Record<string, string>;
} {
  const bytes = withFile(path, (fd, size) => readRange(fd, 0, size, path));
  return decodeSafetensors(bytes, path);
}

function withFile<T>(path: string, fn: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openFile(path, 'r');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
    fail(path, `cannot open: ${why}`, undefined, err);
  }
  try {
    let size: number;
    try {
      const st = statFile(fd);
      if (st.isDirectory()) fail(path, 'cannot read: is a directory');
      size = st.size;
    } catch (err) {
      if (err instanceof SafetensorsError) throw err;
      fail(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
    }
    return fn(fd, size);
  } finally {
    closeFile(fd);
  }
}

/** Reads `length` bytes at `position`; a single read is limited (2 GiB in Node), this is not. */
function readRange(fd: number, position: number, length: number, path: string): Uint8Array {
  if (length > maxBytes) {
    fail(path, `file is ${length} bytes, larger than the ${maxBytes} bytes a buffer can hold`);
  }
  const out = new Uint8Array(length);
  let done = 0;
  try {
    while (done < length) {
      const got = readFileAt(fd, out, done, Math.min(length - done, 1 << 30), position + done);
      if (got === 0) break; // file shrank while reading; the length checks will report it
      done += got;
    }
  } catch (err) {
    fail(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
  return done === length ? out : out.subarray(0, done);
}
