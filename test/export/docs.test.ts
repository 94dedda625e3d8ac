// docs/scale-out.md's onnxruntime-node example runs as written (against a tiny exported GPT) and
// its greedy tokens are attn's own greedy continuation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { generate, GPT, manualSeed } from '../../src/index.js';
import { exportOnnx } from '../../src/export/index.js';
import { scaleWeights } from './helpers.js';

test('the onnxruntime-node decoder example of docs/scale-out.md gives attn\'s greedy tokens', async () => {
  const doc = readFileSync(resolve('docs/scale-out.md'), 'utf8');
  const example = /```js\n(import ort from 'onnxruntime-node';[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example, 'the example is in docs/scale-out.md');
  manualSeed(31);
  const model = new GPT({ vocabSize: 64, blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 16 }); // layers 2, kv heads 2, head dim 8 as the example says
  scaleWeights(model, 10);
  model.eval();
  // Inside the package, so that the script resolves onnxruntime-node from node_modules.
  const dir = mkdtempSync(join(resolve('.'), '.docs-test-'));
  try {
    exportOnnx(model, join(dir, 'exported', 'lm-onnx'));
    writeFileSync(join(dir, 'example.mjs'), example);
    const run = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const fromOnnx = JSON.parse(run.stdout.trim()) as number[];
    const { tokens } = await generate(model, [5, 17, 3], { maxNewTokens: 20, temperature: 0 });
    assert.deepEqual(fromOnnx, tokens);
    assert.ok(new Set(tokens).size > 1, 'a continuation that is not one token repeated');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
});
