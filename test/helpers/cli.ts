// Running the `attn` command from the sources, and writing the small data files CLI tests train on.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';

/** Runs `attn <args>` in a child process (through tsx, no build needed), colour off; `cwd` is its working directory. */
export function cli(args: string[], { cwd }: { cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), ...args], { encoding: 'utf8', cwd, env: { ...process.env, NO_COLOR: '1' } });
}

/** Writes one JSON object per line. */
export function writeJsonl(path: string, records: readonly object[]): void {
  writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

/** `cli()` without blocking: independent runs overlap (the machine has more than one core). */
export function cliAsync(args: string[], { cwd }: { cwd?: string } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** 20 labelled texts, two classes that a model tells apart in a step or two. */
export function writeTinyCorpus(path: string): void {
  writeJsonl(path, Array.from({ length: 20 }, (_, i) => ({ text: i % 2 ? `free cash prize ${i}` : `meeting patch review ${i}`, label: i % 2 ? 'spam' : 'ham' })));
}

/** `attn train` flags for a run of one step of the bag-of-words model on the ref backend. */
export const QUICK_BOW = ['--model', 'bow', '--max-steps', '1', '--no-baseline', '--no-progress', '--backend', 'ref'] as const;
