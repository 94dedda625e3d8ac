// The Hugging Face export read by PyTorch: tools/make-export-fixtures.py exported the run folders
// of test/fixtures/export/ and ran the export through the reference GPT2LMHeadModel /
// LlamaForCausalLM / Qwen2 of tools/make-hf-fixtures.py (HF's config field names, strict weight
// names). Here the same export runs again (its bytes must be the ones PyTorch read: sha256 in the
// fixture) and attn's logits of the original model must match PyTorch's on the export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromArray, GPT, loadRunModel } from '../../src/index.js';
import { exportHuggingFace } from '../../src/export/index.js';
import { loadSafetensorsFile } from '../../src/io/safetensors-file.js';
import { assertAllClose, logitsOf, withTempDir } from './helpers.js';

const root = fileURLToPath(new URL('../fixtures/export/', import.meta.url));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

for (const name of ['gpt-bias', 'gpt-nobias', 'llama-gqa', 'qwen2-tied']) {
  test(`${name}: the export PyTorch read, and its logits beside attn's`, () => {
    const { tensors: want, metadata } = loadSafetensorsFile(join(root, `${name}.expected.safetensors`));
    withTempDir((dir) => {
      exportHuggingFace(join(root, name), dir);
      assert.equal(sha256(join(dir, 'config.json')), metadata.config_sha256, 'config.json is the one PyTorch read');
      assert.equal(sha256(join(dir, 'model.safetensors')), metadata.model_sha256, 'model.safetensors is the one PyTorch read');
    });
    const { model } = loadRunModel<GPT>(join(root, name), 'language-model');
    try {
      for (let i = 0; i < 3; i++) {
        const ids = want[`prompt${i}.ids`]!;
        const x = fromArray(ids.data, ids.shape, { dtype: 'int32' });
        assertAllClose(logitsOf((t) => model.forward(t), x), want[`prompt${i}.logits`]!.data, 1e-4, `${name} prompt ${i}`);
        x.dispose();
      }
      const b = want['batch.ids']!;
      const x = fromArray(b.data, b.shape, { dtype: 'int32' });
      const mask = fromArray(want['batch.mask']!.data, b.shape, { dtype: 'int32' });
      const got = logitsOf((t) => model.forward(t, { attentionMask: mask }), x);
      // Padded positions' logits are not compared (no query attends from them in any use).
      const [B, L] = b.shape as [number, number];
      const V = got.length / (B * L);
      const keep = (arr: ArrayLike<number>) => Array.from(arr).filter((_, k) => want['batch.mask']!.data[Math.floor(k / V)] === 1);
      assertAllClose(keep(got), keep(want['batch.logits']!.data), 1e-4, `${name} left-padded batch`);
      x.dispose();
      mask.dispose();
    } finally {
      model.dispose();
    }
  });
}
