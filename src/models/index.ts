/** Task models: one file each, built from a typed config. */
import type { ClassifierConfig } from './config.js';
import type { TextClassifier } from './classifier.js';
import { BowClassifier } from './bow-classifier.js';
import { BiLstmAttentionClassifier } from './bilstm-attention-classifier.js';
import { TransformerClassifier } from './transformer-classifier.js';

export * from './config.js';
export { TextClassifier, hasTokenEncoder, type TokenEncoder } from './classifier.js';
export { BowClassifier } from './bow-classifier.js';
export { BiLstmAttentionClassifier } from './bilstm-attention-classifier.js';
export { TransformerClassifier } from './transformer-classifier.js';

/** Builds the model a config describes (fresh, seeded-random weights). */
export function createClassifier(config: ClassifierConfig): TextClassifier {
  switch (config.type) {
    case 'transformer':
      return new TransformerClassifier(config);
    case 'bilstm-attention':
      return new BiLstmAttentionClassifier(config);
    case 'bow':
      return new BowClassifier(config);
  }
}
export { MaskedLanguageModel } from './masked-lm.js';
