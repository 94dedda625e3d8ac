// Masked-language-model pretraining: the masking recipe, the windows, the head, that it learns,
// and `trainTextClassifier({ pretrainEpochs })` end to end with exact resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fromArray, manualSeed, Generator, tidy, noGrad, memory } from '../../src/index.js';
import { crossEntropy } from '../../src/ops/cross-entropy.js';
import { copy_ } from '../../src/nn/init.js';
import { BpeTokenizer, CharTokenizer, WordPieceTokenizer, WordTokenizer, maskingVocabulary, type MaskingVocabulary } from '../../src/text/index.js';
import { createClassifier, defaultModelConfig, MaskedLanguageModel, hasTokenEncoder, type TextClassifier, type TokenEncoder } from '../../src/models/index.js';
import { maskTokens, maskedLanguageModelObjective, pretrainEncoder, pretrainingWindows } from '../../src/train/pretraining.js';
import { Trainer } from '../../src/train/trainer.js';
import { labelledBatches } from '../../src/train/batch-source.js';
import { loadTextClassifier, trainTextClassifier, type TrainTextClassifierOptions } from '../../src/train/text-classification.js';

const WORDS: MaskingVocabulary = { maskId: 1, specialIds: [0, 1], vocabSize: 50 };

test('maskingVocabulary: the mask and special ids of each tokenizer', () => {
  const texts = ['the cat sat on the mat', 'the dog sat'];
  assert.deepEqual(maskingVocabulary(new WordTokenizer({ oovToken: '<oov>' }).fitOnTexts(texts)), { maskId: 1, specialIds: [0, 1], vocabSize: 8 });
  assert.throws(() => maskingVocabulary(new WordTokenizer().fitOnTexts(texts)), /word tokenizer needs an oovToken/);
  assert.deepEqual(maskingVocabulary(new CharTokenizer().fitOnTexts(texts)).specialIds, [0, 1]);
  const bpe = BpeTokenizer.train(texts, { vocabSize: 270 });
  const bpeMasking = maskingVocabulary(bpe);
  assert.equal(bpeMasking.maskId, bpe.specialId('<mask>'));
  assert.deepEqual(bpeMasking.specialIds, bpe.specialTokens.map((_, i) => i));
  assert.throws(() => maskingVocabulary(BpeTokenizer.train(texts, { vocabSize: 270, specialTokens: ['<pad>', '<unk>'] })), /no '<mask>' special token/);
  const wordPiece = WordPieceTokenizer.fromVocabText(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat'].join('\n'));
  assert.deepEqual(maskingVocabulary(wordPiece), { maskId: 4, specialIds: [0, 1, 2, 3, 4], vocabSize: 7 });
});

test('maskTokens: 15% of ordinary tokens chosen, 80% masked / 10% random / 10% kept, specials never touched', () => {
  const n = 40000;
  const ids = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 0 : i % 10 === 1 ? 1 : 2 + (i % 48)));
  const { input, positions, targets } = maskTokens(ids, WORDS, new Generator(3));
  const ordinary = (n * 8) / 10;
  assert.ok(Math.abs(positions.length / ordinary - 0.15) < 0.01, `chose ${positions.length} of ${ordinary}`);
  let masked = 0;
  let kept = 0;
  let random = 0;
  positions.forEach((q, i) => {
    if (i > 0) assert.ok(q > positions[i - 1]!, 'positions ascend');
    assert.equal(targets[i], ids[q], 'targets are the original ids');
    assert.ok(ids[q]! >= 2, `special id ${ids[q]} at ${q} was chosen`);
    if (input[q] === 1) masked++;
    else if (input[q] === ids[q]) kept++;
    else random++;
    assert.ok(input[q]! >= 1 && input[q]! < 50 && input[q] !== 0);
  });
  const share = (k: number) => k / positions.length;
  assert.ok(Math.abs(share(masked) - 0.8) < 0.03 && Math.abs(share(random) - 0.1) < 0.03 && Math.abs(share(kept) - 0.1) < 0.03, `${masked}/${random}/${kept}`);
  const chosen = new Set(positions);
  for (let q = 0; q < n; q++) if (!chosen.has(q)) assert.equal(input[q], ids[q], `unchosen position ${q} changed`);
  // Random replacements are never special.
  positions.forEach((q) => assert.ok(input[q] === 1 || input[q]! >= 2));
  // Same generator state → same masks.
  assert.deepEqual(maskTokens(ids, WORDS, new Generator(3)), { input, positions, targets });
});

test('maskTokens: at least one token when there is an ordinary one; none when there is not', () => {
  for (let seed = 0; seed < 20; seed++) {
    const short = maskTokens(Int32Array.from([0, 7, 0, 0]), WORDS, new Generator(seed));
    assert.deepEqual(Array.from(short.positions), [1]);
    assert.deepEqual(Array.from(short.targets), [7]);
  }
  assert.equal(maskTokens(Int32Array.from([0, 1, 1, 0]), WORDS, new Generator(0)).positions.length, 0);
  assert.throws(() => maskTokens(Int32Array.from([5]), WORDS, new Generator(0), 0), /probability must be in \(0, 1\)/);
});

test('pretrainingWindows: every token in windows of maxLength; short tails dropped, short texts kept, special-only windows skipped', () => {
  const seq = (n: number, from = 2) => Array.from({ length: n }, (_, i) => from + (i % 40));
  const windows = pretrainingWindows([seq(10), seq(3), seq(9), [1, 1, 0], seq(5)], 4, WORDS).map((w) => w.ids);
  // 10 → 4, 4, (2 ≥ 1 = 4/4 kept); 3 → 3 (whole text); 9 → 4, 4, 1 (1 ≥ 1 kept); [1,1,0] → skipped; 5 → 4, 1.
  assert.deepEqual(windows.map((w) => w.length), [4, 4, 2, 3, 4, 4, 1, 4, 1]);
  const long = pretrainingWindows([seq(70)], 32, WORDS).map((w) => w.ids.length);
  assert.deepEqual(long, [32, 32], 'a tail of 6 < 32/4 is dropped');
  assert.deepEqual(pretrainingWindows([seq(70)], 32, WORDS)[1]!.ids, seq(70).slice(32, 64));
});

function tinyTransformer(vocabSize: number, pooling: 'mean' | 'cls' = 'mean'): TextClassifier & TokenEncoder {
  manualSeed(0);
  const model = createClassifier({ ...defaultModelConfig('transformer', vocabSize, 2, 16), dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 32, pooling });
  assert.ok(hasTokenEncoder(model));
  return model;
}

test('MaskedLanguageModel: predictMasked is forward at the chosen positions, for mean and [CLS] pooling and the BiLSTM', () => {
  const lstm = (() => {
    manualSeed(0);
    return createClassifier({ ...defaultModelConfig('bilstm-attention', 12, 2, 16), embedDim: 8, hiddenSize: 8, attentionDim: 8 });
  })();
  for (const encoder of [tinyTransformer(12), tinyTransformer(12, 'cls'), lstm]) {
    assert.ok(hasTokenEncoder(encoder));
    const mlm = new MaskedLanguageModel(encoder).eval();
    tidy(() => {
      const ids = fromArray(Int32Array.from([3, 4, 5, 0, 6, 7, 1, 2]), [2, 4], { dtype: 'int32' });
      const all = mlm.forward(ids); // (2, 4, 12)
      assert.deepEqual(all.shape, [2, 4, 12]);
      const picked = mlm.predictMasked(ids, fromArray(Int32Array.from([1, 6, 2]), [3], { dtype: 'int32' })); // (3, 12)
      const full = all.data();
      const expected = [1, 6, 2].flatMap((q) => Array.from(full.subarray(q * 12, q * 12 + 12)));
      Array.from(picked.data()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `${encoder.config.type} ${i}: ${v} vs ${expected[i]}`));
    });
    mlm.dispose();
  }
  assert.equal(hasTokenEncoder(createClassifier(defaultModelConfig('bow', 12, 2, 16))), false);
});

test('MaskedLanguageModel: gradients of the masked-LM loss (tied embedding, head, encoder) match finite differences', () => {
  const encoder = tinyTransformer(9);
  const mlm = new MaskedLanguageModel(encoder).eval(); // eval: no dropout, so the loss is a function
  const loss = () =>
    tidy(() => {
      const ids = fromArray(Int32Array.from([3, 1, 5, 6, 7, 8, 1, 0]), [2, 4], { dtype: 'int32' });
      const positions = fromArray(Int32Array.from([1, 6]), [2], { dtype: 'int32' });
      return crossEntropy(mlm.predictMasked(ids, positions), fromArray(Int32Array.from([4, 2]), [2], { dtype: 'int32' }));
    });
  const l = loss();
  l.backward();
  l.dispose();
  const parameters = mlm.namedParameters().filter(([name]) => ['encoder.embedding.weight', 'output_bias', 'transform.weight', 'encoder.layers.0.linear1.weight'].includes(name));
  assert.equal(parameters.length, 4);
  const gen = new Generator(11);
  for (const [name, p] of parameters) {
    const analytic = p.grad!.data();
    const values = Float32Array.from(p.data());
    for (let k = 0; k < 6; k++) {
      // Embedding rows 2 and 4 are used only through the tied output layer (ids 2 and 4 are targets, not inputs).
      const j = name === 'encoder.embedding.weight' ? [2, 4, 3, 5][k % 4]! * 16 + gen.nextInt(0, 16) : gen.nextInt(0, values.length);
      const eps = 1e-2;
      const at = (delta: number) => {
        const probe = Float32Array.from(values);
        probe[j] = values[j]! + delta;
        copy_(p, probe);
        const v = noGrad(() => loss().item());
        copy_(p, values);
        return v;
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      assert.ok(Math.abs(numeric - analytic[j]!) <= 2e-3 + 3e-2 * Math.abs(numeric), `${name}[${j}]: analytic ${analytic[j]} vs numeric ${numeric}`);
    }
  }
  mlm.dispose();
});

test('masked-LM pretraining learns to fill in a token from its context', async () => {
  // Texts count upwards through 20 words (ids 2…21, wrapping): a hidden word follows from its neighbours.
  const vocabulary: MaskingVocabulary = { maskId: 1, specialIds: [0, 1], vocabSize: 22 };
  const gen = new Generator(5);
  const counting = (n: number) => Array.from({ length: n }, () => {
    const start = gen.nextInt(0, 20);
    return { ids: Array.from({ length: 10 }, (_, i) => 2 + ((start + i) % 20)), label: 0 };
  });
  const mlm = new MaskedLanguageModel(tinyTransformer(22));
  const objective = maskedLanguageModelObjective(mlm, vocabulary);
  const before = objective.validate(counting(64));
  const trainer = new Trainer(mlm, { epochs: 30, lr: 1e-2, patience: 0, seed: 1 }, { config: {}, tokenizer: null, labels: null }, objective);
  const fit = await trainer.fit(labelledBatches(counting(256), { batchSize: 16, maxLength: 16 }), counting(64));
  const after = fit.history.at(-1)!;
  assert.ok(before.accuracy < 0.15, `before training: ${before.accuracy}`);
  assert.ok(after.valAccuracy > 0.6, `masked-token accuracy after training ${after.valAccuracy} (chance 0.05)`);
  assert.ok(after.valLoss < before.loss / 2, `validation loss ${before.loss} → ${after.valLoss}`);
  mlm.dispose();
});

const SPAMMY = ['free', 'offer', 'winner', 'cash', 'prize', 'click', 'credit', 'deal'];
const HAMMY = ['meeting', 'patch', 'kernel', 'review', 'lunch', 'build', 'release', 'notes'];
const FILLER = ['the', 'a', 'for', 'you', 'this', 'is', 'on', 'and', 'we', 'it', 'now', 'today'];

function writeCorpus(path: string, n: number, seed: number): void {
  const gen = new Generator(seed);
  const pick = (xs: string[]) => xs[gen.nextInt(0, xs.length)]!;
  const lines = Array.from({ length: n }, (_, i) => {
    const label = i % 2 === 0 ? 'spam' : 'ham';
    const words = label === 'spam' ? SPAMMY : HAMMY;
    const text = Array.from({ length: 12 + gen.nextInt(0, 30) }, () => (gen.nextFloat() < 0.3 ? pick(words) : pick(FILLER))).join(' ');
    return JSON.stringify({ text, label });
  });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const SMALL_TRANSFORMER = { dModel: 16, numHeads: 2, numLayers: 1, dimFeedforward: 32 };

function pipelineOptions(data: string, out: string, extra: Partial<TrainTextClassifierOptions> = {}): Partial<TrainTextClassifierOptions> {
  return {
    data, model: 'transformer', modelOptions: SMALL_TRANSFORMER, maxLength: 24, vocabSize: 60, outDir: out, baseline: false, pretrainEpochs: 2, pretrainLr: 3e-3,
    ...extra, trainer: { epochs: 2, batchSize: 8, lr: 3e-3, progress: false, patience: 0, ...extra.trainer },
  };
}

const weightsOf = (dir: string) => {
  const clf = loadTextClassifier(dir);
  const weights = Object.fromEntries(Object.entries(clf.model.stateDict()).map(([k, t]) => [k, Array.from(t.data())]));
  clf.dispose();
  return weights;
};

test('trainTextClassifier with pretrainEpochs: pretrains, then fine-tunes from the pretrained encoder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-pretrain-'));
  const data = join(root, 'data.jsonl');
  writeCorpus(data, 80, 1);
  const out = join(root, 'run');
  const messages: string[] = [];
  // A tiny fine-tuning learning rate: the classifier must end up (almost) where pretraining left its encoder.
  const report = await trainTextClassifier({ ...pipelineOptions(data, out, { trainer: { lr: 1e-7, epochs: 1 } }), log: (m) => messages.push(m) });
  assert.ok(report.pretraining, 'the report has the pretraining');
  assert.equal(report.pretraining.epochs, 2);
  assert.ok(report.pretraining.steps > 0 && report.pretraining.windows >= 64, JSON.stringify(report.pretraining));
  assert.ok(report.pretraining.maskedTokenAccuracy! >= 0 && report.pretraining.maskedTokenAccuracy! <= 1);
  assert.equal(report.interrupted, false);
  for (const file of ['metrics.json', 'model.safetensors', 'log.jsonl', 'config.json']) assert.ok(existsSync(join(out, 'pretrain', file)), `pretrain/${file}`);
  assert.ok(messages.some((m) => /pretraining the transformer encoder as a masked language model/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /^pretraining epoch 2\/2: train loss .*, masked-token accuracy \d+\.\d\d%$/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /^epoch 1\/1: .*validation accuracy/.test(m)), messages.join('\n'));

  const pretrained = (await import('../../src/io/tensors.js')).loadSafetensors(join(out, 'pretrain', 'model.safetensors')).tensors;
  const finalWeights = weightsOf(out);
  const fresh = join(root, 'fresh');
  await trainTextClassifier(pipelineOptions(data, fresh, { pretrainEpochs: 0, trainer: { lr: 1e-7, epochs: 1 } }));
  const initWeights = weightsOf(fresh);
  for (const name of ['embedding.weight', 'layers.0.linear1.weight', 'layers.0.self_attn.in_proj_weight']) {
    const p = Array.from(pretrained[`encoder.${name}`]!.data());
    const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    assert.ok(maxDiff(finalWeights[name]!, p) < 1e-4, `${name}: fine-tuning started from the pretrained weights`);
    assert.ok(maxDiff(initWeights[name]!, p) > 1e-2, `${name}: pretraining changed the weights`);
  }
  assert.throws(() => loadTextClassifier(join(out, 'pretrain')), /holds a masked-LM pretraining, not a classifier; use the run folder that contains it/);
  const clf = loadTextClassifier(out);
  assert.equal(clf.predict(['free cash prize click now']).length, 1);
  clf.dispose();
});

test('trainTextClassifier with pretrainEpochs: runs stopped in pretraining or in fine-tuning resume to the same model', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-pretrain-resume-'));
  const data = join(root, 'data.jsonl');
  writeCorpus(data, 48, 2);
  const straight = join(root, 'straight');
  const full = await trainTextClassifier(pipelineOptions(data, straight));
  const pretrainSteps = full.pretraining!.steps;
  const expected = weightsOf(straight);
  for (const stopAt of [3, pretrainSteps + 2]) {
    const dir = join(root, `stopped-${stopAt}`);
    const controller = new AbortController();
    let calls = 0;
    const part = await trainTextClassifier(pipelineOptions(data, dir, { trainer: { signal: controller.signal, onStep: () => void (++calls === stopAt && controller.abort()) } }));
    assert.equal(part.interrupted, true, `stopped at call ${stopAt}`);
    assert.equal(part.fit === null, stopAt <= pretrainSteps, 'a stop in pretraining has no fine-tuning result');
    const resumed = await trainTextClassifier({ resume: dir, trainer: { progress: false } });
    assert.equal(resumed.interrupted, false);
    assert.equal(resumed.pretraining?.steps, pretrainSteps);
    assert.equal(resumed.pretraining.epochs, 2, 'epochs count those before the stop');
    assert.deepEqual(weightsOf(dir), expected, `resumed after a stop at step ${stopAt} ≠ uninterrupted`);
  }
});

test('trainTextClassifier pretrains the bilstm-attention encoder too, and refuses to for bow', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-pretrain-lstm-'));
  const data = join(root, 'data.jsonl');
  writeCorpus(data, 32, 3);
  const report = await trainTextClassifier({
    ...pipelineOptions(data, join(root, 'run'), { trainer: { epochs: 1 } }),
    model: 'bilstm-attention', modelOptions: { embedDim: 8, hiddenSize: 8, attentionDim: 8 }, pretrainEpochs: 1,
  });
  assert.equal(report.pretraining?.epochs, 1);
  assert.ok(report.pretraining.steps > 0 && report.fit !== null);
  await assert.rejects(trainTextClassifier({ data: 'unused.jsonl', model: 'bow', pretrainEpochs: 1 }), /the bow model has no token encoder to pretrain/);
});

/** Live plus collected tensors and bytes: the garbage collector may free earlier tests' garbage during an await. */
function allocatedSoFar(): { tensors: number; bytes: number } {
  const m = memory();
  return { tensors: m.numTensors + m.collectedTensors, bytes: m.numBytes + m.collectedBytes };
}

test('pretrainEncoder leaves no tensors behind but the classifier\'s own', async () => {
  const tokenizer = new WordTokenizer({ oovToken: '<oov>' }).fitOnTexts(['a b c d e f g h', 'b c d e f g h a']);
  const sequences = Array.from({ length: 24 }, (_, i) => Array.from({ length: 8 }, (_, j) => 2 + ((i + j) % 8)));
  const model = tinyTransformer(tokenizer.vocabSize);
  const before = allocatedSoFar();
  await pretrainEncoder(model, { train: sequences, validation: sequences.slice(0, 4) }, tokenizer, {
    epochs: 2, lr: 1e-2, maxLength: 8, outDir: null, resume: false, trainer: { batchSize: 8 },
  });
  assert.deepEqual(allocatedSoFar(), before);
  model.dispose();
});

test('trainTextClassifier, with pretraining and the baseline, leaves no tensor behind', async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-pretrain-leak-'));
  const data = join(root, 'data.jsonl');
  writeCorpus(data, 32, 5);
  const before = allocatedSoFar();
  await trainTextClassifier(pipelineOptions(data, join(root, 'run'), { baseline: true, pretrainEpochs: 1, trainer: { epochs: 1 } }));
  assert.deepEqual(allocatedSoFar(), before);
});
