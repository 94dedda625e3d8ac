// Runs the README's first example, so the README never shows code that does not work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';

test('the README first example runs and prints what it says', () => {
  const readme = readFileSync(resolve('README.md'), 'utf8');
  const section = readme.split('## A first example')[1];
  assert.ok(section, 'README has a "A first example" section');
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const entry = resolve('src/index.ts');
  const dir = mkdtempSync(join(tmpdir(), 'attn-readme-'));
  const file = join(dir, 'example.ts');
  writeFileSync(file, code.replace(/from 'attn'/g, `from ${JSON.stringify(entry)}`));
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^\d+(\.\d+)?(e-?\d+)? \[ 8, 8 \]$/);
  assert.ok(Number.isFinite(Number(lines[1])), lines[1]);
  assert.ok(Number(lines[2]) > 0);
});
