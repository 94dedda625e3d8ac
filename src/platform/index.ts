/**
 * The platform seam: everything environment-specific that attn needs, in one place. The rest of
 * the library imports only from here (`import { readText, joinPath } from '../platform/index.js'`)
 * and never from `node:*` or `process`; `cli/` may use Node directly. Today this re-exports the
 * Node implementation (`node.ts`); a browser build swaps in `browser.ts` (a bundler alias of
 * `platform/node.js`), which implements the same `Platform` contract (`types.ts`, where every
 * function is documented).
 *
 * The API, by group (all synchronous unless marked async):
 *
 * - files: `readBytes(path)`, `readText(path)` (UTF-8), `writeFile(path, bytes|string)` (not
 *   atomic: see io/atomic-write.ts `writeFileAtomic`), `appendText(path, text)`, `exists(path)`,
 *   `stat(path)` → `FileStat { isFile(), isDirectory(), size, mode, mtimeMs }`, `listDir(path)`,
 *   `makeDir(path, { recursive })`, `remove(path, { recursive, force })`, `rename(from, to)`,
 *   `realpath(path)`. Errors are the platform's, with `code` (`ENOENT`, ...); callers word them.
 * - file handles: `openFile(path, 'r'|'w'|'wx', mode?)` → fd, `readFileAt(fd, buf, off, len, pos)`,
 *   `writeFileAt(fd, buf, off, len)`, `syncFile(fd)` (fsync), `statFile(fd)`, `closeFile(fd)`,
 *   `maxBytes` (largest single read).
 * - paths: `joinPath(...)`, `dirname`, `basename(p, suffix?)`, `extname`, `resolvePath(...)`,
 *   `isAbsolutePath`, `fileUrlToPath(url)`.
 * - process: `env(name)`, `processId()`, `randomBytes(n)`, `onStopSignal(handler)` (SIGINT and
 *   SIGTERM; returns an unsubscribe function), `stderr()` → `OutputStream { write, isTTY, columns }`.
 * - packages: `requirePackage(specifier)` (built-in corpora shipped as npm packages),
 *   `resolvePackage(specifier)` → file path.
 * - threads and wasm: `coreCount()`, `spawnWorker({ source, entry, data, name, onError })` →
 *   `{ terminate() }`, `spawnModuleWorker({ url, data, name, onMessage, onError, onExit })` →
 *   `{ post(message), terminate() }` (a worker running one of our modules) and, inside it,
 *   `workerPort()` → `{ data, post(message), onMessage(handler) }`, `setEngineFlag('--experimental-wasm-relaxed-simd')` → boolean,
 *   `readUrlSync(fileUrl)`, async `readUrl(url)`.
 *
 * @example
 * import { joinPath, readText, exists } from '../platform/index.js';
 * const configPath = joinPath(dir, 'config.json');
 * if (exists(configPath)) console.log(JSON.parse(readText(configPath)));
 *
 * @example
 * const unsubscribe = onStopSignal(() => { stopRequested = true; });
 * try { train(); } finally { unsubscribe(); }
 */
import * as implementation from './node.js';
import type { Platform } from './types.js';

// Compile-time check that the implementation has the whole contract.
const checked: Platform = implementation;
void checked;

export * from './node.js';
export type { Platform } from './types.js';
