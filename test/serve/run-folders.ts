// Tiny run folders for the server tests: a classifier with random weights (a word tokenizer,
// two labels) and a random GPT with a char tokenizer (test/generate/run-folder.ts).
import { join } from 'node:path';
import { manualSeed, models, text, io } from '../../src/index.js';
import { writeTinyLanguageModel } from '../generate/run-folder.js';

export const CLASSIFIER_TEXTS = ['free money now', 'meeting at noon', 'win a free prize', 'the report is attached'];

export function writeTinyClassifier(dir: string, seed = 2): void {
  const tokenizer = new text.WordTokenizer({ oovToken: '<unk>' }).fitOnTexts(CLASSIFIER_TEXTS);
  manualSeed(seed);
  const config = { ...models.defaultModelConfig('transformer', tokenizer.vocabSize, 2, 16), dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 32, dropout: 0 };
  const model = new models.TransformerClassifier(config);
  new io.RunFolder(dir).writeModel({ config, weights: model.stateDict(), tokenizer: tokenizer.toJSON(), labels: ['ham', 'spam'] });
  model.dispose();
}

/** A classifier folder `clf` and language-model folders `lm` (context 32) and `long` (context 512) under `root`. */
export function writeServeFolders(root: string): { clf: string; lm: string; long: string } {
  const clf = join(root, 'clf');
  const lm = join(root, 'lm');
  const long = join(root, 'long');
  writeTinyClassifier(clf);
  writeTinyLanguageModel(lm).model.dispose();
  writeTinyLanguageModel(long, { blockSize: 512, nLayer: 1 }).model.dispose();
  return { clf, lm, long };
}
