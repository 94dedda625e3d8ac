/**
 * Writes tiny ONNX exports (every supported kind) into a folder for tools/check-onnx-export.py:
 *
 *   node --import tsx tools/check-onnx-export.ts <dir>
 */
import { join } from 'node:path';
import { GPT, LlamaForCausalLM, manualSeed } from '../src/index.js';
import { parseLlamaConfig } from '../src/models/hf/llama.js';
import { TransformerClassifier } from '../src/models/transformer-classifier.js';
import { defaultModelConfig } from '../src/models/index.js';
import type { TransformerClassifierConfig } from '../src/models/config.js';
import { exportOnnx } from '../src/export/index.js';

const out = process.argv[2];
if (!out) throw new Error('usage: check-onnx-export.ts <dir>');
manualSeed(1);
const base = defaultModelConfig('transformer', 40, 3, 10) as TransformerClassifierConfig;
const models = {
  'classifier-mean': new TransformerClassifier({ ...base, dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 24 }),
  'classifier-cls': new TransformerClassifier({ ...base, dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 24, pooling: 'cls', positional: 'learned' }),
  'classifier-attention': new TransformerClassifier({ ...base, dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 24, pooling: 'attention' }),
  gpt: new GPT({ vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 }),
  'gpt-rotary': new GPT({ vocabSize: 64, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16, positional: 'rotary', bias: false, activation: 'gelu_new' }),
  llama: new LlamaForCausalLM(parseLlamaConfig({
    type: 'llama', vocabSize: 64, hiddenSize: 32, intermediateSize: 40, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
    headDim: 8, blockSize: 48, rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, qkvBias: true, outputBias: false, mlpBias: false,
    tieWordEmbeddings: true, attentionDropout: 0, initializerRange: 0.02,
  })),
};
for (const [name, model] of Object.entries(models)) exportOnnx(model, join(out, name));
console.log(Object.keys(models).join(' '));
