// Nothing outside src/platform/ (and src/cli/, the Node program) may use Node directly, so that a
// browser build can swap the platform. This reads the sources, the way a reviewer would grep them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
/** Files still to be ported to the platform (none left). */
const PENDING = new Set<string>([]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

test('no Node module, process, Buffer or require outside src/platform and src/cli', () => {
  const offenders: string[] = [];
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file).split('\\').join('/');
    if (rel.startsWith('platform/') || rel.startsWith('cli/') || PENDING.has(rel)) continue;
    // Code only: drop comments and string contents that merely mention the names.
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1');
    const patterns: [RegExp, string][] = [
      [/from\s+['"]node:/, "import from 'node:*'"],
      [/import\(\s*['"]node:/, "dynamic import of 'node:*'"],
      [/\bprocess\s*\./, 'process.'],
      [/\bBuffer\s*\./, 'Buffer.'],
      [/\brequire\s*\(/, 'require('],
      [/\bNodeJS\./, 'NodeJS types'],
      [/from\s+['"](fs|path|os|worker_threads|crypto|child_process|v8)['"]/, 'bare Node module import'],
    ];
    for (const [re, what] of patterns) if (re.test(code)) offenders.push(`${rel}: ${what}`);
  }
  assert.deepEqual(offenders, []);
});

test('the pending list only names files that still need the port', () => {
  for (const rel of PENDING) {
    let code: string;
    try {
      code = readFileSync(join(SRC, rel), 'utf8');
    } catch {
      continue; // moved or deleted: fine
    }
    assert.ok(/from\s+['"]node:|\bprocess\s*\./.test(code), `${rel} no longer uses Node: remove it from PENDING`);
  }
});
