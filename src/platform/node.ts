/**
 * The Node.js platform: the only module of the library (with `cli/`) that imports `node:*`
 * modules or touches `process`. See `types.ts` for the contract of each function.
 *
 * `fs` is imported as the module object and called as `fs.x(...)` at call time, so tests can
 * inject a failure with `mock.method(fs, 'fsyncSync', ...)` and reach the code under test.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import v8 from 'node:v8';
import crypto from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { FileStat, ModuleWorkerHandle, ModuleWorkerSpec, OutputStream, RemoveOptions, WorkerHandle, WorkerPort, WorkerSpec } from './types.js';

export type { FileStat, ModuleWorkerHandle, ModuleWorkerSpec, OutputStream, RemoveOptions, WorkerHandle, WorkerPort, WorkerSpec, Platform } from './types.js';

export const name = 'node' as const;

// ---- files ----

export function readBytes(file: string): Uint8Array {
  return fs.readFileSync(file);
}

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

export function writeFile(file: string, data: Uint8Array | string): void {
  fs.writeFileSync(file, data);
}

export function appendText(file: string, text: string): void {
  fs.appendFileSync(file, text, 'utf8');
}

export function exists(file: string): boolean {
  return fs.existsSync(file);
}

export function stat(file: string): FileStat {
  return fs.statSync(file);
}

export function listDir(dir: string): string[] {
  return fs.readdirSync(dir);
}

export function makeDir(dir: string, options: { recursive?: boolean } = {}): void {
  fs.mkdirSync(dir, { recursive: options.recursive ?? false });
}

export function remove(target: string, options: RemoveOptions = {}): void {
  fs.rmSync(target, { recursive: options.recursive ?? false, force: options.force ?? false });
}

export function rename(from: string, to: string): void {
  fs.renameSync(from, to);
}

export function realpath(file: string): string {
  return fs.realpathSync(file);
}

// ---- file handles ----

export function openFile(file: string, flags: 'r' | 'w' | 'wx', mode?: number): number {
  return fs.openSync(file, flags, mode);
}

export function readFileAt(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
  return fs.readSync(fd, buffer, offset, length, position);
}

export function writeFileAt(fd: number, buffer: Uint8Array, offset: number, length: number): number {
  return fs.writeSync(fd, buffer, offset, length);
}

export function syncFile(fd: number): void {
  fs.fsyncSync(fd);
}

export function statFile(fd: number): FileStat {
  return fs.fstatSync(fd);
}

export function closeFile(fd: number): void {
  fs.closeSync(fd);
}

export const maxBytes: number = bufferConstants.MAX_LENGTH;

// ---- paths ----

export function joinPath(...parts: string[]): string {
  return path.join(...parts);
}

export function dirname(p: string): string {
  return path.dirname(p);
}

export function basename(p: string, suffix?: string): string {
  return suffix === undefined ? path.basename(p) : path.basename(p, suffix);
}

export function extname(p: string): string {
  return path.extname(p);
}

export function resolvePath(...parts: string[]): string {
  return path.resolve(...parts);
}

export function isAbsolutePath(p: string): boolean {
  return path.isAbsolute(p);
}

export function fileUrlToPath(url: URL | string): string {
  return fileURLToPath(url);
}

// ---- process ----

export function env(variable: string): string | undefined {
  return process.env[variable];
}

export function processId(): number {
  return process.pid;
}

export function randomBytes(n: number): Uint8Array {
  return new Uint8Array(crypto.randomBytes(n));
}

export function onStopSignal(handler: (signal: 'SIGINT' | 'SIGTERM') => void): () => void {
  const onInt = (): void => handler('SIGINT');
  const onTerm = (): void => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

export function stderr(): OutputStream {
  return process.stderr;
}

// ---- packages ----

const requireHere = createRequire(import.meta.url);

export function requirePackage(specifier: string): unknown {
  return requireHere(specifier);
}

export function resolvePackage(specifier: string): string {
  return requireHere.resolve(specifier);
}

// ---- threads and the wasm engine ----

export function coreCount(): number {
  return Math.max(1, os.availableParallelism());
}

export function spawnWorker(spec: WorkerSpec): WorkerHandle {
  // A CommonJS script evaluated in the worker: the portable source, then a call of its entry
  // function with the data. The worker is plain JS: execArgv [] keeps the parent's loaders
  // (e.g. tsx) out of it.
  const source = `${spec.source}\n;${spec.entry}(require('node:worker_threads').workerData);\n`;
  const worker = new Worker(source, { eval: true, workerData: spec.data, execArgv: [], name: spec.name });
  worker.on('error', spec.onError);
  worker.unref();
  return {
    terminate: () => {
      void worker.terminate();
    },
  };
}

export function spawnModuleWorker(spec: ModuleWorkerSpec): ModuleWorkerHandle {
  // Loader hooks registered with --import (tsx) do not reach worker threads on Node 20, so a
  // TypeScript worker registers tsx itself before importing its module.
  const href = JSON.stringify(spec.url.href);
  const source = spec.url.pathname.endsWith('.ts')
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${href}); });`
    : `import(${href});`;
  const worker = new Worker(source, { eval: true, workerData: spec.data, name: spec.name });
  worker.on('message', spec.onMessage);
  worker.on('error', spec.onError);
  worker.on('exit', spec.onExit);
  return {
    post: (message) => worker.postMessage(message),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

export function workerPort(): WorkerPort | null {
  if (isMainThread || !parentPort) return null;
  const port = parentPort;
  return {
    data: workerData,
    post: (message) => port.postMessage(message),
    onMessage: (handler) => {
      port.on('message', handler);
    },
  };
}

export function setEngineFlag(flag: string): boolean {
  try {
    v8.setFlagsFromString(flag);
    return true;
  } catch {
    return false;
  }
}

export function readUrlSync(url: URL): Uint8Array {
  if (url.protocol !== 'file:') throw new Error(`cannot read ${url.href} synchronously: only file: URLs can be`);
  return fs.readFileSync(url);
}

export async function readUrl(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') return new Uint8Array(await fs.promises.readFile(url));
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
