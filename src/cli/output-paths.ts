/**
 * Checks of the paths a command will write, made before any work so that a mistyped path is
 * refused at once, in words, rather than as a raw `ENOENT`/`ENOTDIR`/`EISDIR` after the model ran.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './options.js';

/** The nearest existing folder-or-file at or above `path`. */
function nearestExisting(path: string): string {
  let at = resolve(path);
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  return at;
}

/**
 * A file `flag` will write: its folder must exist, and it must not be a folder.
 *
 * ```ts
 * checkOutputFile('out/page.html', '--html'); // UsageError "--html out/page.html: the folder out does not exist" when it does not
 * ```
 */
export function checkOutputFile(path: string, flag: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${flag} ${path}: is a folder; expected a file name to write`);
  const folder = dirname(path);
  if (!existsSync(folder)) {
    const found = nearestExisting(folder);
    if (!statSync(found).isDirectory()) throw new UsageError(`${flag} ${path}: ${found} is a file, not a folder`);
    throw new UsageError(`${flag} ${path}: the folder ${folder} does not exist; create it first`);
  }
  if (!statSync(folder).isDirectory()) throw new UsageError(`${flag} ${path}: ${folder} is a file, not a folder`);
}

/**
 * A folder `flag` will write into, created if needed: neither it nor any folder above it may be a file.
 *
 * ```ts
 * checkOutputFolder('exported/lm', '--out'); // UsageError "--out exported/lm: is a file, not a folder" when it is one
 * ```
 */
export function checkOutputFolder(path: string, flag: string): void {
  const found = nearestExisting(path);
  if (statSync(found).isDirectory()) return;
  throw new UsageError(found === resolve(path) ? `${flag} ${path}: is a file, not a folder` : `${flag} ${path}: ${found} is a file, not a folder`);
}
