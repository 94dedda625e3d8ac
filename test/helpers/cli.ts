// Running the `attn` command from the sources, and writing the small data files CLI tests train on.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

/** Runs `attn <args>` in a child process (through tsx, no build needed), colour off; `cwd` is its working directory. */
export function cli(args: string[], { cwd }: { cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), ...args], { encoding: 'utf8', cwd, env: { ...process.env, NO_COLOR: '1' } });
}

/** Writes one JSON object per line. */
export function writeJsonl(path: string, records: readonly object[]): void {
  writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
}
