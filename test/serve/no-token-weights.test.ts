// A classifier without self-attention (attn's bag-of-words model) served: /v1/classify's token
// weights are its per-word scores; /v1/attention refuses in clear JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed, models, text, io } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { CLASSIFIER_TEXTS } from './run-folders.js';
import { postJson } from './helpers.js';

let root = '';
let server: RunningServer;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-serve-bow-'));
  const tokenizer = new text.WordTokenizer({ oovToken: '<unk>' }).fitOnTexts(CLASSIFIER_TEXTS);
  manualSeed(3);
  const config = models.defaultModelConfig('bow', tokenizer.vocabSize, 2, 16);
  const model = new models.BowClassifier(config);
  new io.RunFolder(join(root, 'bow')).writeModel({ config, weights: model.stateDict(), tokenizer: tokenizer.toJSON(), labels: ['ham', 'spam'] });
  model.dispose();
  server = await startServer({ models: [{ name: 'bow', dir: join(root, 'bow') }], port: 0, batchWindowMs: 150 });
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

test('a bag-of-words classifier: /v1/classify gives its per-word weights, /v1/attention says it has no self-attention layers', async () => {
  const [asked, plain] = await Promise.all([
    postJson(`${server.url}/v1/classify`, { texts: ['free money now'], attention: 3 }),
    postJson(`${server.url}/v1/classify`, { texts: ['free money now'] }),
  ]);
  assert.equal(plain.status, 200, plain.text);
  assert.deepEqual(Object.keys(plain.json.predictions[0].probabilities).sort(), ['ham', 'spam']);
  assert.equal(plain.json.predictions[0].attention, undefined);
  assert.equal(asked.status, 200, asked.text);
  assert.deepEqual(asked.json.predictions[0].attention.map((t: any) => t.token).sort(), ['free', 'money', 'now']);
  const view = await postJson(`${server.url}/v1/attention`, { text: 'free money now' });
  assert.equal(view.status, 400, view.text);
  assert.equal(view.json.error.type, 'invalid_request_error');
  assert.match(view.json.error.message, /bow classifier has no self-attention layers to show/);
});
