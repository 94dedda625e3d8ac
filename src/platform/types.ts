/**
 * The contract of a platform implementation (`node.ts` today, `browser.ts` later). Everything
 * environment-specific that attn needs is listed here and nowhere else; `index.ts` checks that
 * the implementation it re-exports has exactly this shape, so a missing function fails to compile.
 *
 * Conventions:
 * - File functions are synchronous (the engine and the Trainer are synchronous, like PyTorch).
 * - They throw the platform's own errors, with their `code` (`ENOENT`, `EISDIR`, ...) kept; the
 *   caller words the message (it knows what the file is for), usually via `io/atomic-write.ts`
 *   `wrapError`.
 * - Paths are plain strings in the platform's syntax.
 */

/** What `stat` and `fstat` report (a subset of Node's `fs.Stats`). */
export interface FileStat {
  isFile(): boolean;
  isDirectory(): boolean;
  /** Size in bytes. */
  size: number;
  /** Permission and type bits (POSIX `st_mode`). */
  mode: number;
  /** Last modification time, milliseconds since the epoch. */
  mtimeMs: number;
}

/** A text sink such as stderr (what progress bars write to). */
export interface OutputStream {
  write(chunk: string): boolean;
  /** True when the stream is an interactive terminal (live progress bars), else false/undefined. */
  isTTY?: boolean;
  /** Terminal width in columns, when known. */
  columns?: number;
}

/** A started worker thread. */
export interface WorkerHandle {
  /** Stops the worker (asynchronously; returns at once). */
  terminate(): void;
}

/** How to start a worker: see `Platform.spawnWorker`. */
export interface WorkerSpec {
  /** Plain JavaScript (no imports, no TypeScript) defining the function named by `entry`. */
  source: string;
  /** Name of the function in `source` that the worker calls with `data` once started. */
  entry: string;
  /** Passed to `entry`; must be structured-cloneable (WebAssembly.Module, Memory, SharedArrayBuffer are). */
  data: unknown;
  /** Thread name shown by debuggers. */
  name: string;
  /** Called if the worker throws outside `entry`'s own error handling. */
  onError: (e: Error) => void;
}

/** How to start a module worker: see `Platform.spawnModuleWorker`. */
export interface ModuleWorkerSpec {
  /** The worker's module (a `.js` file, or a `.ts` file when running from the sources under tsx). */
  url: URL;
  /** Given to the worker as `workerPort().data`; must be structured-cloneable. */
  data: unknown;
  /** Thread name shown by debuggers. */
  name: string;
  /** Each message the worker posts. */
  onMessage: (message: unknown) => void;
  /** The worker threw outside its own error handling (it stops). */
  onError: (e: Error) => void;
  /** The worker stopped (exit code; 1 after an uncaught error). */
  onExit: (code: number) => void;
}

/** A started module worker, seen from the thread that started it. */
export interface ModuleWorkerHandle {
  /** Sends a structured-cloneable message to the worker. */
  post(message: unknown): void;
  /** Stops the worker; resolves once it has stopped. */
  terminate(): Promise<void>;
}

/** The parent's side of a module worker, seen from inside the worker. */
export interface WorkerPort {
  /** `ModuleWorkerSpec.data`. */
  readonly data: unknown;
  post(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
}

/** Options of `remove`. */
export interface RemoveOptions {
  /** Remove folders with their contents (default false). */
  recursive?: boolean;
  /** No error when the path does not exist (default false). */
  force?: boolean;
}

export interface Platform {
  /** 'node' or 'browser'. */
  readonly name: 'node' | 'browser';

  // ---- files (synchronous) ----
  /** The whole file as bytes. */
  readBytes(path: string): Uint8Array;
  /** The whole file decoded as UTF-8 (a BOM is kept; callers strip it where a format allows one). */
  readText(path: string): string;
  /** Writes (creates or truncates) a file. Not atomic: use io/atomic-write.ts `writeFileAtomic` for that. */
  writeFile(path: string, data: Uint8Array | string): void;
  /** Appends UTF-8 text to a file, creating it if needed. */
  appendText(path: string, text: string): void;
  /** Whether anything exists at `path`. */
  exists(path: string): boolean;
  /** Information on the file or folder at `path` (following symbolic links); throws ENOENT etc. */
  stat(path: string): FileStat;
  /** The entry names of a folder (not sorted). */
  listDir(path: string): string[];
  /** Creates a folder; with `recursive`, its missing parents too and no error if it exists. */
  makeDir(path: string, options?: { recursive?: boolean }): void;
  /** Removes a file or (with `recursive`) a folder. */
  remove(path: string, options?: RemoveOptions): void;
  /** Renames (moves) a file or folder, replacing a file target. Atomic within one file system. */
  rename(from: string, to: string): void;
  /** The canonical absolute path (symbolic links resolved). */
  realpath(path: string): string;

  // ---- file handles (for crash-safe writes and reading ranges of large files) ----
  /** Opens a file; `flags` as in POSIX fopen/Node ('r', 'w', 'wx' = create, fail if it exists). */
  openFile(path: string, flags: 'r' | 'w' | 'wx', mode?: number): number;
  /** Reads up to `length` bytes at file offset `position` into `buffer[offset..]`; returns the count (0 at end of file). */
  readFileAt(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes `buffer[offset..offset+length)` at the current position; returns the count (may be short). */
  writeFileAt(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  /** Flushes a file's data (or a folder's entries) to the disk. */
  syncFile(fd: number): void;
  /** Information on an open file. */
  statFile(fd: number): FileStat;
  /** Closes a handle. */
  closeFile(fd: number): void;
  /** The largest byte array one read can return on this platform. */
  readonly maxBytes: number;

  // ---- paths ----
  joinPath(...parts: string[]): string;
  dirname(path: string): string;
  basename(path: string, suffix?: string): string;
  /** The extension with its dot ('.csv'), or ''. */
  extname(path: string): string;
  /** An absolute path (relative parts resolved against the working directory). */
  resolvePath(...parts: string[]): string;
  isAbsolutePath(path: string): boolean;
  /** A file: URL as a path. */
  fileUrlToPath(url: URL | string): string;

  // ---- process ----
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
  /** This process's id (used in temporary file names). */
  processId(): number;
  /** `n` cryptographically random bytes (temporary file names). */
  randomBytes(n: number): Uint8Array;
  /**
   * Calls `handler(signal)` on each stop request (Ctrl-C: SIGINT; `kill`: SIGTERM) while
   * subscribed; returns the unsubscribe function. While anyone is subscribed, the default action
   * (exit) is suppressed, so the handler decides what happens.
   */
  onStopSignal(handler: (signal: 'SIGINT' | 'SIGTERM') => void): () => void;
  /** The error stream progress bars and warnings write to. */
  stderr(): OutputStream;

  // ---- packages ----
  /** Loads a package (or a file of one: 'pkg/data.json') the way `require` does. */
  requirePackage(specifier: string): unknown;
  /** The file path `require.resolve` gives for a package specifier; throws if it is not installed. */
  resolvePackage(specifier: string): string;

  // ---- threads and the wasm engine ----
  /** Logical cores this process may use (at least 1). */
  coreCount(): number;
  /** Starts a worker thread running `spec.source`; it never keeps the process alive. */
  spawnWorker(spec: WorkerSpec): WorkerHandle;
  /**
   * Starts a worker thread running a module of this package (which may import the library, unlike
   * `spawnWorker`'s plain script), with a message channel both ways. Unlike `spawnWorker`'s, this
   * worker keeps the process alive until it exits or is terminated.
   */
  spawnModuleWorker(spec: ModuleWorkerSpec): ModuleWorkerHandle;
  /** Inside a module worker: its channel to the parent thread; elsewhere null. */
  workerPort(): WorkerPort | null;
  /**
   * Sets a JavaScript-engine flag at run time (Node: `v8.setFlagsFromString`), e.g.
   * '--experimental-wasm-relaxed-simd'. Returns false where that is not possible.
   */
  setEngineFlag(flag: string): boolean;
  /** The bytes at a URL: `file:` URLs synchronously from disk; throws for others (use readUrl). */
  readUrlSync(url: URL): Uint8Array;
  /** The bytes at a URL (file: from disk, others with fetch). */
  readUrl(url: URL): Promise<Uint8Array>;
}
