// LlamaForCausalLM as a registered language model: a run folder of type 'llama' loads through the
// registry and generates; its cache holds the kv heads only; config errors name the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrained, loadLanguageModel, generate, saveSafetensors, text, modelEntry, LlamaForCausalLM, noGrad, fromArray, tidy } from '../../../src/index.js';
import { parseLlamaConfig } from '../../../src/models/hf/llama.js';
import { fixtureDir } from './helpers.js';

test("registered as type 'llama' (task language-model); a run folder of it loads and generates as the HF folder does", async () => {
  assert.equal(modelEntry('llama').task, 'language-model');
  const hf = loadPretrained(fixtureDir('llama'));
  assert.ok(hf.architecture === 'llama');
  const dir = mkdtempSync(join(tmpdir(), 'attn-llama-run-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(hf.model.config));
    saveSafetensors(join(dir, 'model.safetensors'), hf.model.stateDict());
    const chars = 'abcdefghijklmnopqrstuvwxyz';
    text.saveTokenizer(join(dir, 'tokenizer.json'), new text.CharTokenizer().fitOnTexts([chars]));
    const run = loadLanguageModel(dir);
    assert.ok(run.model instanceof LlamaForCausalLM);
    const prompt = [5, 9, 13];
    const a = await generate(hf.model, prompt, { maxNewTokens: 8, temperature: 0, eosTokenId: null });
    const b = await generate(run.model, prompt, { maxNewTokens: 8, temperature: 0, eosTokenId: null });
    assert.deepEqual(b.tokens, a.tokens);
    run.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    hf.dispose();
  }
});

test('the KV cache holds numKeyValueHeads heads; one step on the cache equals the full forward', () => {
  const hf = loadPretrained(fixtureDir('llama'));
  assert.ok(hf.architecture === 'llama');
  const model = hf.model;
  const cache = model.createCache(1);
  assert.equal(cache.numKvHeads, 2);
  assert.equal(cache.headDim, 8);
  assert.equal(cache.maxLength, 64);
  noGrad(() => tidy(() => {
    const ids = fromArray(Int32Array.from([3, 1, 4, 1, 5, 9]), [1, 6], { dtype: 'int32' });
    const full = model.forward(ids).data(); // (1, 6, V)
    model.forward(ids.slice(1, 0, 5), { cache });
    const step = model.forward(ids.slice(1, 5), { cache }).data(); // (1, 1, V)
    const V = 64;
    let worst = 0;
    for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(step[v]! - full[5 * V + v]!));
    assert.ok(worst < 1e-5, `cached step differs by ${worst}`);
  }));
  cache.dispose();
  hf.dispose();
});

test('config errors name the field', () => {
  const qwen2 = loadPretrained(fixtureDir('qwen2'));
  const good = { ...(qwen2.config as object) } as Record<string, unknown>;
  qwen2.dispose();
  assert.throws(() => parseLlamaConfig({ ...good, numKeyValueHeads: 3 }, 'c.json'), /^ModelConfigError: c\.json: field 'numKeyValueHeads' \(3\) must divide numAttentionHeads \(4\)$/);
  assert.throws(() => parseLlamaConfig({ ...good, headDim: 7 }, 'c.json'), /field 'headDim' must be even/);
  assert.throws(() => parseLlamaConfig({ ...good, ropeScaling: { type: 'yarn' } }, 'c.json'), /field 'ropeScaling' type must be 'llama3' or 'linear', got "yarn"/);
  assert.throws(() => parseLlamaConfig({ ...good, extra: 1 }, 'c.json'), /field 'extra' is unknown for a llama model/);
});
