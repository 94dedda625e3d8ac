// A tiny language-model run folder (config.json type 'gpt', model.safetensors, tokenizer.json)
// for the loader and CLI tests: a random GPT whose weights are large enough to vary its output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GPT, manualSeed, nn, saveSafetensors, text, type GPTConfig } from '../../src/index.js';

export const CORPUS = 'the cat sat on the mat. a dog ate the hat; then the cat and the dog sat down.\n';

export function writeTinyLanguageModel(dir: string, config: Partial<GPTConfig> = {}, seed = 1): { model: GPT; tokenizer: text.CharTokenizer } {
  mkdirSync(dir, { recursive: true });
  const tokenizer = new text.CharTokenizer().fitOnTexts([CORPUS]);
  manualSeed(seed);
  const model = new GPT({ vocabSize: tokenizer.vocabSize, blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 16, ...config });
  for (const [name, p] of model.namedParameters()) {
    if (p.rank > 1) nn.init.normal_(p, 0, 0.7);
    else if (name.endsWith('.bias')) nn.init.normal_(p, 0, 0.1);
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(model.config, null, 2));
  saveSafetensors(join(dir, 'model.safetensors'), model.stateDict());
  text.saveTokenizer(join(dir, 'tokenizer.json'), tokenizer);
  return { model, tokenizer };
}
