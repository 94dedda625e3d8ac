// Safetensors files: the codec in safetensors.ts, on bytes, plus the file system through the
// platform seam. Writing is atomic (temp file + fsync + rename); reading the header touches only
// the first 8 + N bytes, so it is fast on large files.
import { closeFile, maxBytes, openFile, readFileAt, statFile } from '../platform/index.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  MAX_HEADER_BYTES, SafetensorsError, dataView, decodeSafetensors, decodeSafetensorsTensor, encodeSafetensors, fail, parseHeader,
  type RawTensor, type SafetensorsEntry, type SafetensorsHeader,
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
  return withFile(path, (fd, size) => readHeaderAt(fd, size, path));
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

/** An open safetensors file whose tensors are read one at a time (see `openSafetensorsFile`). */
export interface SafetensorsReader {
  readonly path: string;
  /** The validated header (every entry's dtype, shape and offsets; the layout checked against the file size). */
  readonly header: SafetensorsHeader;
  /** The header entry of `name`, or undefined. */
  entry(name: string): SafetensorsEntry | undefined;
  /** Reads and converts one tensor (F16/BF16/F64 → float32, integers → int32): only its bytes are read. */
  read(name: string): RawTensor;
  /** The tensor's bytes exactly as stored (little-endian), for callers that keep half-precision data as it is. */
  readBytes(name: string): Uint8Array;
  /** Closes the file; the reader cannot be used afterwards. */
  close(): void;
}

/**
 * Opens a safetensors file for reading tensor by tensor: the header is read and validated at once
 * (a truncated file fails here, naming the tensor that runs past its end), then `read(name)`
 * reads only that tensor's byte range, so a multi-gigabyte checkpoint is never held in memory
 * whole. Close it when done.
 *
 * @example
 * const file = openSafetensorsFile('gpt2/model.safetensors');
 * try {
 *   for (const e of file.header.entries) console.log(e.name, file.read(e.name).shape);
 * } finally {
 *   file.close();
 * }
 */
export function openSafetensorsFile(path: string): SafetensorsReader {
  const { fd, size } = openChecked(path);
  let open = true;
  try {
    const header = readHeaderAt(fd, size, path);
    const byName = new Map(header.entries.map((e) => [e.name, e]));
    return {
      path,
      header,
      entry: (name) => byName.get(name),
      read(name) {
        if (!open) fail(path, 'cannot read: the file was closed', name);
        const e = byName.get(name);
        if (e === undefined) fail(path, 'no such tensor in this file', name);
        const length = e.dataOffsets[1] - e.dataOffsets[0];
        return decodeSafetensorsTensor(readRange(fd, header.dataStart + e.dataOffsets[0], length, path), e, path);
      },
      readBytes(name) {
        if (!open) fail(path, 'cannot read: the file was closed', name);
        const e = byName.get(name);
        if (e === undefined) fail(path, 'no such tensor in this file', name);
        return readRange(fd, header.dataStart + e.dataOffsets[0], e.dataOffsets[1] - e.dataOffsets[0], path);
      },
      close() {
        if (open) closeFile(fd);
        open = false;
      },
    };
  } catch (err) {
    closeFile(fd);
    throw err;
  }
}

function readHeaderAt(fd: number, size: number, path: string): SafetensorsHeader {
  const lengthBytes = readRange(fd, 0, Math.min(8, size), path);
  if (size < 8) return parseHeader(lengthBytes, size, path);
  const n64 = dataView(lengthBytes).getBigUint64(0, true);
  const take = n64 > BigInt(MAX_HEADER_BYTES) || 8 + Number(n64) > size ? 8 : 8 + Number(n64);
  return parseHeader(readRange(fd, 0, take, path), size, path);
}

function openChecked(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openFile(path, 'r');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
    fail(path, `cannot open: ${why}`, undefined, err);
  }
  try {
    const st = statFile(fd);
    if (st.isDirectory()) fail(path, 'cannot read: is a directory');
    return { fd, size: st.size };
  } catch (err) {
    closeFile(fd);
    if (err instanceof SafetensorsError) throw err;
    fail(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
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
