// loadLanguageModel: a run folder written from a GPT loads back to the same logits; classifier
// folders, missing folders and mismatched files are refused naming the folder or file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLanguageModel, LanguageModelFolderError, generate, tidy, fromArray, saveSafetensors, GPT } from '../../src/index.js';
import { writeTinyLanguageModel } from './run-folder.js';

test('loadLanguageModel reads config.json, model.safetensors and tokenizer.json back to the same model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-lm-'));
  try {
    const { model, tokenizer } = writeTinyLanguageModel(dir);
    const lm = loadLanguageModel(dir);
    assert.deepEqual(lm.config, model.config);
    assert.equal(lm.model.training, false, 'eval mode');
    assert.deepEqual(lm.tokenizer.encode('the cat'), tokenizer.encode('the cat'));
    tidy(() => {
      const ids = fromArray(Int32Array.from(tokenizer.encode('the cat sat')), [1, 11]);
      assert.deepEqual([...lm.model.forward(ids).data()], [...model.forward(ids).data()]);
    });
    const options = { temperature: 0, maxNewTokens: 10 };
    assert.deepEqual((await generate(lm.model, [2, 3], options)).tokens, (await generate(model, [2, 3], options)).tokens);
    lm.dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadLanguageModel refuses a classifier, a missing folder, bad configs and weights that do not match', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-lm-'));
  try {
    const refused = (path: string, kind: string, message: RegExp) =>
      assert.throws(() => loadLanguageModel(path), (e: Error) => e instanceof LanguageModelFolderError && e.kind === kind && message.test(e.message), `${kind}: ${message}`);
    refused(join(dir, 'nothing'), 'missing', /nothing: cannot load a language model: no .*nothing\/config\.json \(not a model folder\)/);
    const clf = join(dir, 'clf');
    writeTinyLanguageModel(clf).model.dispose();
    writeFileSync(join(clf, 'config.json'), JSON.stringify({ type: 'transformer', vocabSize: 10, numClasses: 2, maxLength: 8 }));
    refused(clf, 'classifier', /clf: this folder holds a text classifier \(config type 'transformer'\), not a language model \(type 'gpt'\)/);
    const bad = join(dir, 'bad');
    const { model } = writeTinyLanguageModel(bad);
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...model.config, nHead: 3 }));
    refused(bad, 'invalid', /bad\/config\.json: field 'nEmbd' \(16\) must be divisible by 'nHead' \(3\)/);
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...model.config, nLayer: 3 }));
    refused(bad, 'invalid', /bad\/model\.safetensors: does not match .*config\.json: .*Missing key\(s\) in state_dict: "transformer\.h\.2\.ln_1\.weight"/);
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...model.config, vocabSize: 5 }));
    refused(bad, 'invalid', /bad\/tokenizer\.json: the tokenizer has \d+ ids, more than the model's vocabSize 5/);
    const small = new GPT({ ...model.config, nEmbd: 8 });
    writeFileSync(join(bad, 'config.json'), JSON.stringify(model.config));
    saveSafetensors(join(bad, 'model.safetensors'), small.stateDict());
    refused(bad, 'invalid', /size mismatch for transformer\.wte\.weight/);
    small.dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
