import { joinPath, listDir, readBytes, stat } from '../platform/index.js';
import { errorCode } from './decode.js';
import { DataError } from './errors.js';

/**
 * What a data source was when a run read it: the number of files, their bytes and a hash of
 * their contents (and, in a folder, of their relative paths). A run folder records one for each
 * source it trained on, so `--resume` and `eval --split` notice that a file was replaced.
 */
export interface DataFingerprint {
  /** The path as recorded (absolute). */
  source: string;
  files: number;
  bytes: number;
  /** 16 hex digits; a change detector, not a cryptographic hash. */
  hash: string;
}

/**
 * The fingerprint of a data file or folder (every file below it, in sorted order).
 *
 * @example
 * fingerprintDataSource('/data/reviews.csv'); // { source: '/data/reviews.csv', files: 1, bytes: 5120, hash: '3f1c…' }
 */
export function fingerprintDataSource(source: string): DataFingerprint {
  const hash = new ContentHash();
  let files = 0;
  let bytes = 0;
  const visit = (path: string, relative: string) => {
    let isDir: boolean;
    try {
      isDir = stat(path).isDirectory();
    } catch (e) {
      throw new DataError(`${path}: cannot read (${errorCode(e)})`);
    }
    if (isDir) {
      for (const entry of listDir(path).sort()) visit(joinPath(path, entry), relative === '' ? entry : `${relative}/${entry}`);
      return;
    }
    const content = readBytes(path);
    hash.update(new TextEncoder().encode(`${relative}\0${content.length}\0`));
    hash.update(content);
    files++;
    bytes += content.length;
  };
  visit(source, '');
  return { source, files, bytes, hash: hash.digest() };
}

/**
 * Why `now` differs from `recorded`, in words, or null when they match.
 *
 * @example
 * describeDataChange(before, fingerprintDataSource(before.source)); // '/data/reviews.csv was 5120 bytes (hash 3f1c…), now 5187 bytes (hash 9a02…)'
 */
export function describeDataChange(recorded: DataFingerprint, now: DataFingerprint): string | null {
  if (recorded.files === now.files && recorded.bytes === now.bytes && recorded.hash === now.hash) return null;
  const what = (f: DataFingerprint) => `${f.files === 1 && recorded.files === 1 ? '' : `${f.files} files, `}${f.bytes} bytes (hash ${f.hash})`;
  return `${recorded.source} was ${what(recorded)}, now ${what(now)}`;
}

/** cyrb53's two 32-bit lanes over bytes, streamed: fast in plain TypeScript, good enough to notice a changed file. */
class ContentHash {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  update(bytes: Uint8Array): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      h1 = Math.imul(h1 ^ b, 2654435761);
      h2 = Math.imul(h2 ^ b, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  digest(): string {
    let h1 = Math.imul(this.h1 ^ (this.h1 >>> 16), 2246822507) ^ Math.imul(this.h2 ^ (this.h2 >>> 13), 3266489909);
    let h2 = Math.imul(this.h2 ^ (this.h2 >>> 16), 2246822507) ^ Math.imul(this.h1 ^ (this.h1 >>> 13), 3266489909);
    h1 >>>= 0;
    h2 >>>= 0;
    return h2.toString(16).padStart(8, '0') + h1.toString(16).padStart(8, '0');
  }
}
