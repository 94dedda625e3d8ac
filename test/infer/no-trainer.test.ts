// Inference (src/infer/, attn predict, attn eval) never imports the Trainer: a model can be used
// without the training loop, and a browser build can leave it out. Read from the sources, at
// run-time imports only (a type-only import is erased).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Run-time imports of a file, resolved to paths under src/. */
function runtimeImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of code.matchAll(/^(?:import|export)\s+(?!type\b)([^;]*?)\s+from\s+['"](\.[^'"]+)['"]/gm)) {
    // `import { type A, type B }` is erased too.
    if (/^\{[^}]*\}$/.test(m[1]!.trim()) && m[1]!.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type'))) continue;
    out.push(resolve(dirname(file), m[2]!.replace(/\.js$/, '.ts')));
  }
  return out;
}

function closure(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...runtimeImports(f));
  }
  return seen;
}

test('src/infer, attn predict and attn eval do not load the Trainer or anything of src/train/ but the classification data', () => {
  const entries = [
    ...readdirSync(join(SRC, 'infer')).filter((n) => n.endsWith('.ts')).map((n) => join(SRC, 'infer', n)),
    join(SRC, 'cli', 'predict.ts'),
    join(SRC, 'cli', 'eval.ts'),
  ];
  const loaded = [...closure(entries)].map((f) => relative(SRC, f).split('\\').join('/'));
  const training = loaded.filter((f) => f.startsWith('train/')).sort();
  // eval --split re-derives a run's split (its options and data, no loop); its errors module comes with it.
  assert.deepEqual(training, ['train/classification-data.ts', 'train/errors.ts']);
  assert.ok(!loaded.includes('train/trainer.ts') && loaded.includes('infer/run-model.ts'), loaded.join(', '));
});
