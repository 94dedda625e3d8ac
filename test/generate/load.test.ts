// loadLanguageModel: a run folder written from a GPT loads back to the same logits; classifier
// folders, missing folders and mismatched files are refused naming the folder or file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLanguageModel, RunFolderError, WrongTaskError, models, generate, tidy, fromArray, saveSafetensors, GPT } from '../../src/index.js';
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
    const refused = (path: string, kind: new (...args: never[]) => Error, message: RegExp) =>
      assert.throws(() => loadLanguageModel(path), (e: Error) => e instanceof kind && message.test(e.message), `${kind.name}: ${message}`);
    refused(join(dir, 'nothing'), RunFolderError, /nothing: no such folder$/);
    const clf = join(dir, 'clf');
    writeTinyLanguageModel(clf).model.dispose();
    writeFileSync(join(clf, 'config.json'), JSON.stringify({ type: 'transformer', vocabSize: 10, numClasses: 2, maxLength: 8 }));
    refused(clf, WrongTaskError, /clf: this folder holds a classifier, not a language model$/);
    const bad = join(dir, 'bad');
    const { model } = writeTinyLanguageModel(bad);
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...model.config, nHead: 3 }));
    refused(bad, models.ModelConfigError, /bad\/config\.json: field 'nEmbd' \(16\) must be divisible by 'nHead' \(3\)$/);
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...model.config, nLayer: 3 }));
    refused(bad, RunFolderError, /bad\/model\.safetensors does not match .*config\.json: [\s\S]*Missing key\(s\) in state_dict: "transformer\.h\.2\.ln_1\.weight"/);
    const five = new GPT({ ...model.config, vocabSize: 5 });
    writeFileSync(join(bad, 'config.json'), JSON.stringify(five.config));
    saveSafetensors(join(bad, 'model.safetensors'), five.stateDict());
    refused(bad, RunFolderError, /bad: .*bad\/tokenizer\.json has \d+ ids, more than the model's vocabSize 5/);
    five.dispose();
    const small = new GPT({ ...model.config, nEmbd: 8 });
    writeFileSync(join(bad, 'config.json'), JSON.stringify(model.config));
    saveSafetensors(join(bad, 'model.safetensors'), small.stateDict());
    refused(bad, RunFolderError, /size mismatch for transformer\.wte\.weight/);
    small.dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
