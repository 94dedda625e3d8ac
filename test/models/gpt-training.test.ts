// End to end: the Trainer trains a GPT with the causal-LM objective into a run folder, and
// loadLanguageModel + generateText continue a prompt from that folder with what it learned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT, Trainer, causalLanguageModelObjective, tokenWindows, manualSeed, loadLanguageModel, generateText, text } from '../../src/index.js';

test('a GPT trained by the Trainer on a repeating text writes a run folder that generates its continuation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-gpt-train-'));
  try {
    const corpus = 'abcdefgh'.repeat(40);
    const tokenizer = new text.CharTokenizer().fitOnTexts([corpus]);
    const tokens = tokenizer.encode(corpus);
    manualSeed(0);
    const model = new GPT({ vocabSize: tokenizer.vocabSize, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 });
    const objective = causalLanguageModelObjective(model, { blockSize: 16 });
    const trainer = new Trainer(model, { lr: 1e-2, maxSteps: 60, evalEvery: 60, warmupSteps: 5, schedule: 'cosine', weightDecay: 0, patience: 0, seed: 1, outDir: dir }, { config: model.config, tokenizer: tokenizer.toJSON(), labels: null }, objective);
    const fit = await trainer.fit(tokenWindows(tokens, { blockSize: 16, batchSize: 8 }), tokens.slice(0, 64));
    const loss = fit.bestValLoss;
    assert.ok(loss < 0.3, `validation loss ${loss} after 60 steps (ln 10 = 2.30 at the start)`);
    assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).type, 'gpt');
    const lm = loadLanguageModel(dir);
    const { text: continuation } = await generateText(lm.model, lm.tokenizer, 'abc', { temperature: 0, maxNewTokens: 21, onWarning: () => {} });
    assert.equal(continuation, 'defghabcdefghabcdefgh', 'the pattern continues past the 16-token context');
    lm.dispose();
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
