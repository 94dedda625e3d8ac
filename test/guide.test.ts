// Runs every TypeScript example of docs/guide.md, so the guide never shows code that does not
// work. A line `console.log(...); // prints: TEXT` must print exactly TEXT (as console.log formats
// it); other output is not checked. The blocks run in order in one process (one start-up instead
// of one per block), each as its own module, in a scratch folder (the examples write files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

interface Block {
  heading: string;
  code: string;
}

function guideBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let heading = '(top)';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,4} /.test(line)) heading = line.replace(/^#+ /, '');
    if (line.trim() === '```ts') {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
      blocks.push({ heading, code: body.join('\n') });
    }
  }
  return blocks;
}

/** Rewrites `console.log(args); // prints: text` into a checked call. */
function instrument(code: string, entry: string): string {
  const checked = code.replace(/^(\s*)console\.log\((.*)\);\s*\/\/ prints: (.*)$/gm, (_, indent: string, args: string, expected: string) => {
    return `${indent}__guidePrints(${JSON.stringify(expected.trimEnd())}, ${args});`;
  });
  return checked.replace(/from 'attn'/g, `from ${JSON.stringify(entry)}`);
}

const PRELUDE = `import { format as __format } from 'node:util';
function __guidePrints(expected: string, ...args: unknown[]): void {
  const got = __format(...args);
  console.log(got);
  if (got !== expected) throw new Error('guide example printed ' + JSON.stringify(got) + ', the guide says ' + JSON.stringify(expected));
}
`;

test('every TypeScript example in docs/guide.md runs and prints what the guide says', () => {
  const guide = readFileSync(resolve('docs/guide.md'), 'utf8');
  const blocks = guideBlocks(guide);
  assert.ok(blocks.length >= 10, `expected the guide to have at least 10 ts examples, found ${blocks.length}`);
  const entry = resolve('src/index.ts');
  const dir = mkdtempSync(join(tmpdir(), 'attn-guide-'));
  try {
    const files = blocks.map((b, i) => {
      const file = join(dir, `block-${String(i + 1).padStart(2, '0')}.mts`);
      writeFileSync(file, PRELUDE + instrument(b.code, entry) + '\nexport {};\n');
      return file;
    });
    const runner = [
      `const blocks = ${JSON.stringify(files.map((f, i) => ({ url: pathToFileURL(f).href, heading: blocks[i]!.heading })))};`,
      'for (let i = 0; i < blocks.length; i++) {',
      "  console.log('#block ' + (i + 1) + ' (' + blocks[i].heading + ')');",
      '  try { await import(blocks[i].url); } catch (e) {',
      "    console.error('guide example ' + (i + 1) + ' under \"' + blocks[i].heading + '\" failed: ' + (e && e.stack || e));",
      '    process.exit(1);',
      '  }',
      '}',
      "console.log('#all blocks ran');",
    ].join('\n');
    const runnerFile = join(dir, 'run.mts');
    writeFileSync(runnerFile, runner);
    // The scratch folder has no node_modules: load tsx by its resolved URL.
    const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), runnerFile], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, `${run.stderr}\n--- stdout ---\n${run.stdout}`);
    assert.match(run.stdout, /#all blocks ran/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the guide checker catches a wrong "prints" comment', () => {
  const code = instrument("console.log(1 + 1); // prints: 3", 'x');
  assert.match(code, /__guidePrints\("3", 1 \+ 1\);/);
});
