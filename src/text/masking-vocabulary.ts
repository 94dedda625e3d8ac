/**
 * Which ids masked-language-model pretraining may use: the id that stands in for a hidden token,
 * and the ids that are never masked, predicted or drawn as random replacements (padding, the
 * mask itself and other special tokens).
 *
 * ```ts
 * maskingVocabulary(new WordTokenizer({ oovToken: '<oov>' }).fitOnTexts(texts)); // { maskId: 1, specialIds: [0, 1] }
 * ```
 */
import type { Tokenizer } from './tokenizer.js';
import { WordTokenizer } from './word-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

export interface MaskingVocabulary {
  /** The id a masked token is replaced with. */
  maskId: number;
  /** Ids never masked, predicted or drawn as a random replacement; sorted, padding first. */
  specialIds: number[];
  vocabSize: number;
}

/**
 * The masking ids of a tokenizer: BPE's `<mask>`, BERT's `[MASK]` (else `[UNK]`), and the
 * unknown id of the word (`oovToken`) and character tokenizers — an unknown word is what a
 * hidden word looks like to the model. Throws when the tokenizer has none of these.
 */
export function maskingVocabulary(tokenizer: Tokenizer): MaskingVocabulary {
  const special = new Set<number>([tokenizer.padId]);
  let maskId: number | undefined;
  if (tokenizer instanceof BpeTokenizer) {
    maskId = tokenizer.specialId('<mask>');
    tokenizer.specialTokens.forEach((_, id) => special.add(id));
    if (maskId === undefined) {
      throw new Error(`masked-LM pretraining: this BPE tokenizer has no '<mask>' special token (it has ${tokenizer.specialTokens.join(', ')}); train it with the default special tokens`);
    }
  } else if (tokenizer instanceof WordPieceTokenizer) {
    maskId = tokenizer.tokenToId('[MASK]') ?? tokenizer.unkId;
    for (const token of ['[MASK]', tokenizer.unkToken, tokenizer.clsToken, tokenizer.sepToken, tokenizer.padToken]) {
      const id = tokenizer.tokenToId(token);
      if (id !== undefined) special.add(id);
    }
  } else if (tokenizer instanceof WordTokenizer) {
    if (tokenizer.oovToken === null) {
      throw new Error('masked-LM pretraining: the word tokenizer needs an oovToken (id 1) to stand for masked words');
    }
    maskId = 1;
  } else if (tokenizer instanceof CharTokenizer) {
    maskId = tokenizer.unkId;
    if (tokenizer.eosId !== undefined) special.add(tokenizer.eosId);
  } else {
    throw new Error(`masked-LM pretraining: no mask token known for a '${tokenizer.type}' tokenizer`);
  }
  special.add(maskId);
  if (special.size >= tokenizer.vocabSize) {
    throw new Error(`masked-LM pretraining: the vocabulary (${tokenizer.vocabSize} ids) has no ordinary tokens besides its special ones`);
  }
  return { maskId, specialIds: [...special].sort((a, b) => a - b), vocabSize: tokenizer.vocabSize };
}
