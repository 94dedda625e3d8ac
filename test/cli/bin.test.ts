// `npx attn …` (the README's commands) runs the package's bin directly: it must be built and executable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

test('the attn bin is built, starts with a node shebang, is executable and runs', () => {
  const bin = JSON.parse(readFileSync('package.json', 'utf8')).bin.attn as string;
  assert.equal(bin, './dist/cli/main.js');
  assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  assert.ok((statSync(bin).mode & 0o111) !== 0, `${bin} is not executable (mode ${(statSync(bin).mode & 0o777).toString(8)}); npm run build sets it`);
  const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /train/);
});
