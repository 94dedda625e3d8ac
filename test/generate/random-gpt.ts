// A small GPT with random weights for the generation tests.
import { GPT, manualSeed, nn } from '../../src/index.js';

/** A GPT whose weights are large enough that greedy decoding does not just repeat one token. */
export function randomGPT(config: Partial<ConstructorParameters<typeof GPT>[0]> = {}, seed = 1): GPT {
  manualSeed(seed);
  const model = new GPT({ vocabSize: 17, blockSize: 64, nLayer: 2, nHead: 2, nEmbd: 16, ...config });
  for (const [name, p] of model.namedParameters()) {
    if (p.rank > 1) nn.init.normal_(p, 0, 0.7);
    else if (name.endsWith('.bias')) nn.init.normal_(p, 0, 0.1);
  }
  return model;
}
