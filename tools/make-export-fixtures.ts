/**
 * Tiny attn run folders for test/export/hf-torch.test.ts, and their Hugging Face export, written for
 * tools/make-export-fixtures.py (which runs this first, then reads the export with the PyTorch
 * reference of tools/make-hf-fixtures.py):
 *
 *   node --import tsx tools/make-export-fixtures.ts <export-dir>
 *
 * writes test/fixtures/export/<name>/ (config.json, model.safetensors: attn's run folder layout)
 * and <export-dir>/<name>/ (exportHuggingFace's output).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPT, LlamaForCausalLM, manualSeed, RunFolder } from '../src/index.js';
import { parseLlamaConfig } from '../src/models/hf/llama.js';
import { exportHuggingFace } from '../src/export/index.js';

const root = fileURLToPath(new URL('../test/fixtures/export/', import.meta.url));
const out = process.argv[2];
if (!out) throw new Error('usage: make-export-fixtures.ts <export-dir>');

/** Random weights large enough for peaked logits (the 0.02 init gives near-uniform ones). */
function scaleUp(model: GPT | LlamaForCausalLM, factor: number): void {
  const state: Record<string, import('../src/index.js').Tensor> = {};
  for (const [name, p] of model.namedParameters()) state[name] = /(ln_|norm)/.test(name) ? p : p.mul(factor); // norms stay around 1
  model.loadStateDict(state);
}

const models: [string, GPT | LlamaForCausalLM][] = [];
manualSeed(11);
// GPT-2 with the tanh GELU, no biases (exported as zeros), layer_norm_epsilon 1e-6.
models.push(['gpt-nobias', new GPT({ vocabSize: 64, blockSize: 24, nLayer: 2, nHead: 3, nEmbd: 24, bias: false, activation: 'gelu_new', layerNormEpsilon: 1e-6 })]);
manualSeed(12);
models.push(['gpt-bias', new GPT({ vocabSize: 64, blockSize: 24, nLayer: 2, nHead: 2, nEmbd: 16, bias: true, activation: 'gelu_new' })]);
manualSeed(13);
models.push(['llama-gqa', new LlamaForCausalLM(parseLlamaConfig({
  type: 'llama', vocabSize: 64, hiddenSize: 32, intermediateSize: 40, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
  headDim: 8, blockSize: 48, rmsNormEps: 1e-5, ropeTheta: 10000,
  ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 16 },
  qkvBias: false, outputBias: false, mlpBias: false, tieWordEmbeddings: false, attentionDropout: 0, initializerRange: 0.3,
}))]);
manualSeed(14);
models.push(['qwen2-tied', new LlamaForCausalLM(parseLlamaConfig({
  type: 'llama', vocabSize: 64, hiddenSize: 32, intermediateSize: 40, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 1,
  headDim: 8, blockSize: 48, rmsNormEps: 1e-6, ropeTheta: 1e6, ropeScaling: null,
  qkvBias: true, outputBias: false, mlpBias: false, tieWordEmbeddings: true, attentionDropout: 0, initializerRange: 0.3,
}))]);

for (const [name, model] of models) {
  if (model instanceof GPT) scaleUp(model, 12);
  const run = new RunFolder(join(root, name));
  run.create();
  run.writeModel({ config: model.config, weights: model.stateDict() });
  mkdirSync(join(out, name), { recursive: true });
  exportHuggingFace(run.dir, join(out, name));
  model.dispose();
}
console.log(`wrote ${root} and ${out}`);
