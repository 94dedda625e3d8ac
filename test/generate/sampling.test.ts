// The sampling filters on hand-made logits, and draws checked against their distributions with a
// fixed seed (frequencies within 5 standard deviations of the expected probabilities).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Generator } from '../../src/index.js';
import {
  applyRepetitionPenalty, applyTemperature, topKFilter, topPFilter, minPFilter, softmaxRow, argmaxRow, drawFromLogits, sampleToken, type SamplingOptions,
} from '../../src/generate/sampling.js';

const logitsOf = (probs: number[]) => Float64Array.from(probs.map(Math.log));
const kept = (logits: Float64Array) => [...logits.keys()].filter((i) => logits[i] !== -Infinity);
const OFF: SamplingOptions = { temperature: 1, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 };

test('top-k keeps the k largest logits (and ties with the k-th); 0 and k ≥ V change nothing', () => {
  assert.deepEqual(kept(topKFilter(Float64Array.of(1, 5, 3, 4, 2), 2)), [1, 3]);
  assert.deepEqual(kept(topKFilter(Float64Array.of(1, 5, 3, 4, 2), 1)), [1]);
  assert.deepEqual(kept(topKFilter(Float64Array.of(1, 4, 3, 4, 2), 1)), [1, 3], 'a tie with the k-th is kept, as HF');
  assert.deepEqual(kept(topKFilter(Float64Array.of(1, 5, 3), 0)), [0, 1, 2]);
  assert.deepEqual(kept(topKFilter(Float64Array.of(1, 5, 3), 3)), [0, 1, 2]);
  const row = Float64Array.of(1, 5, 3, 4, 2);
  topKFilter(row, 3);
  assert.deepEqual([...row], [-Infinity, 5, 3, 4, -Infinity], 'kept logits keep their values');
});

test('top-p keeps the smallest set of most likely tokens with mass ≥ p', () => {
  const probs = [0.1, 0.45, 0.05, 0.25, 0.15];
  assert.deepEqual(kept(topPFilter(logitsOf(probs), 0.4)), [1], '0.45 ≥ 0.4 alone');
  assert.deepEqual(kept(topPFilter(logitsOf(probs), 0.5)), [1, 3], '0.45 < 0.5 ≤ 0.70');
  assert.deepEqual(kept(topPFilter(logitsOf(probs), 0.75)), [1, 3, 4], '0.70 < 0.75 ≤ 0.85');
  assert.deepEqual(kept(topPFilter(logitsOf(probs), 0.9)), [0, 1, 3, 4], '0.85 < 0.9 ≤ 0.95');
  assert.deepEqual(kept(topPFilter(logitsOf(probs), 0.99)), [0, 1, 2, 3, 4]);
  assert.deepEqual(kept(topPFilter(logitsOf(probs), 0.01)), [1], 'at least one token');
  assert.deepEqual(kept(topPFilter(logitsOf(probs), 1)), [0, 1, 2, 3, 4], 'p = 1 is off');
});

test('min-p drops tokens below minP × the top probability', () => {
  const probs = [0.5, 0.2, 0.1, 0.04, 0.16];
  assert.deepEqual(kept(minPFilter(logitsOf(probs), 0.1)), [0, 1, 2, 4], '0.04 < 0.05');
  assert.deepEqual(kept(minPFilter(logitsOf(probs), 0.3)), [0, 1, 4], 'threshold 0.15');
  assert.deepEqual(kept(minPFilter(logitsOf(probs), 1)), [0], 'only the top token');
  assert.deepEqual(kept(minPFilter(logitsOf(probs), 0)), [0, 1, 2, 3, 4], '0 is off');
  // Relative to the max, not absolute: the same threshold keeps more of a flat distribution.
  assert.deepEqual(kept(minPFilter(logitsOf([0.3, 0.25, 0.25, 0.2]), 0.7)), [0, 1, 2]);
});

test('repetition penalty (HF semantics): positive logits divided, negative multiplied, each seen token once', () => {
  const row = Float64Array.of(2, -2, 3, 0.5, -1);
  applyRepetitionPenalty(row, [0, 1, 1, 1, 3, 99], 2);
  assert.deepEqual([...row], [1, -4, 3, 0.25, -1]);
  const same = Float64Array.of(2, -2);
  applyRepetitionPenalty(same, [0, 1], 1);
  assert.deepEqual([...same], [2, -2], 'penalty 1 is off');
});

test('temperature divides the logits; temperature 0 is greedy (after the repetition penalty)', () => {
  assert.deepEqual([...applyTemperature(Float64Array.of(1, -2, 4), 0.5)], [2, -4, 8]);
  const g = new Generator(0);
  assert.equal(sampleToken(Float64Array.of(1, 3, 2), [], { ...OFF, temperature: 0 }, g), 1);
  assert.equal(sampleToken(Float64Array.of(1, 3, 2), [1], { ...OFF, temperature: 0, repetitionPenalty: 2 }, g), 2, '3/2 < 2');
  assert.equal(sampleToken(Float64Array.of(1, 3, 3), [], { ...OFF, temperature: 0, topK: 1 }, g), 1, 'argmax takes the first of a tie');
  assert.equal(argmaxRow([0, 7, 7, -1]), 1);
  const before = g.getState();
  sampleToken(Float64Array.of(1, 3, 2), [], { ...OFF, temperature: 0 }, g);
  assert.deepEqual(g.getState(), before, 'greedy draws no random numbers');
});

/** Draws n tokens and checks each frequency against the expected probability (±5σ). */
function checkFrequencies(expected: number[], draw: () => number, n: number, what: string): void {
  const counts = new Array<number>(expected.length).fill(0);
  for (let i = 0; i < n; i++) counts[draw()]!++;
  expected.forEach((p, i) => {
    const sigma = Math.sqrt((p * (1 - p)) / n);
    const f = counts[i]! / n;
    if (p === 0) assert.equal(counts[i], 0, `${what}: token ${i} is filtered out but was drawn ${counts[i]} times`);
    else assert.ok(Math.abs(f - p) <= 5 * sigma + 1e-9, `${what}: token ${i} drawn with frequency ${f}, expected ${p} ± ${5 * sigma}`);
  });
}

test('draws follow softmax(logits / temperature) and the filtered distributions (fixed seed)', () => {
  const probs = [0.1, 0.45, 0.05, 0.25, 0.15];
  const n = 20000;
  const g = new Generator(1234);
  checkFrequencies(probs, () => drawFromLogits(logitsOf(probs), g), n, 'plain');
  const t = 0.5;
  const sharpened = softmaxRow(probs.map((p) => Math.log(p) / t));
  checkFrequencies([...sharpened], () => sampleToken(logitsOf(probs), [], { ...OFF, temperature: t }, g), n, 'temperature 0.5');
  const renorm = (keep: number[]) => {
    const mass = keep.reduce((s, i) => s + probs[i]!, 0);
    return probs.map((p, i) => (keep.includes(i) ? p / mass : 0));
  };
  checkFrequencies(renorm([1, 3]), () => sampleToken(logitsOf(probs), [], { ...OFF, topK: 2 }, g), n, 'top-k 2');
  checkFrequencies(renorm([1, 3, 4]), () => sampleToken(logitsOf(probs), [], { ...OFF, topP: 0.75 }, g), n, 'top-p 0.75');
  checkFrequencies(renorm([1, 3]), () => sampleToken(logitsOf(probs), [], { ...OFF, minP: 0.5 }, g), n, 'min-p 0.5');
  // Repetition penalty 2 on token 1 (negative log-prob logit: multiplied → less likely).
  const penalized = softmaxRow(probs.map((p, i) => (i === 1 ? Math.log(p) * 2 : Math.log(p))));
  checkFrequencies([...penalized], () => sampleToken(logitsOf(probs), [1], { ...OFF, repetitionPenalty: 2 }, g), n, 'repetition penalty');
});

test('same seed, same draws; another seed, other draws', () => {
  const probs = logitsOf([0.2, 0.2, 0.2, 0.2, 0.2]);
  const run = (seed: number) => {
    const g = new Generator(seed);
    return Array.from({ length: 50 }, () => sampleToken(Float64Array.from(probs), [], OFF, g));
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
});

test('top-k on a GPT-2-sized row keeps exactly the values ≥ the k-th largest (checked against a sort)', () => {
  const g = new Generator(3);
  for (const k of [1, 2, 40, 50, 1000]) {
    const row = Float64Array.from({ length: 50257 }, () => Math.round(g.nextNormal() * 50) / 10); // many ties
    const kth = [...row].sort((a, b) => b - a)[k - 1]!;
    const expected = [...row.keys()].filter((i) => row[i]! >= kth);
    assert.deepEqual(kept(topKFilter(Float64Array.from(row), k)), expected, `k = ${k}`);
  }
});

test('properties (fast-check): top-p keeps a minimal set with mass ≥ p; min-p and top-k keep what they promise; a draw is always a kept token', () => {
  const row = fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 1, maxLength: 40 });
  fc.assert(fc.property(row, fc.double({ min: 0.01, max: 0.999, noNaN: true }), (values, p) => {
    const probs = softmaxRow(values);
    const keptIds = kept(topPFilter(Float64Array.from(values), p));
    const mass = keptIds.reduce((s, i) => s + probs[i]!, 0);
    assert.ok(mass >= p - 1e-12, `kept mass ${mass} < p ${p}`);
    const weakest = Math.min(...keptIds.map((i) => probs[i]!));
    if (keptIds.length > 1) assert.ok(mass - weakest < p + 1e-12, 'without its least likely token the set would fall below p');
    for (let i = 0; i < probs.length; i++) if (!keptIds.includes(i)) assert.ok(probs[i]! <= weakest + 1e-15, 'every dropped token is at most as likely as every kept one');
  }), { seed: 1, numRuns: 300 });
  fc.assert(fc.property(row, fc.double({ min: 0, max: 1, noNaN: true }), (values, minP) => {
    const probs = softmaxRow(values);
    const top = Math.max(...probs);
    const keptIds = kept(minPFilter(Float64Array.from(values), minP));
    probs.forEach((q, i) => assert.equal(keptIds.includes(i), !(q < minP * top)));
  }), { seed: 2, numRuns: 300 });
  fc.assert(fc.property(row, fc.integer({ min: 0, max: 50 }), (values, k) => {
    const keptIds = kept(topKFilter(Float64Array.from(values), k));
    if (k === 0 || k >= values.length) assert.equal(keptIds.length, values.length);
    else {
      assert.ok(keptIds.length >= k);
      const kth = [...values].sort((a, b) => b - a)[k - 1]!;
      assert.ok(keptIds.every((i) => values[i]! >= kth));
    }
  }), { seed: 3, numRuns: 300 });
  const options = fc.record({
    temperature: fc.double({ min: 0.05, max: 3, noNaN: true }), topK: fc.integer({ min: 0, max: 10 }), topP: fc.double({ min: 0.05, max: 1, noNaN: true }),
    minP: fc.double({ min: 0, max: 0.9, noNaN: true }), repetitionPenalty: fc.double({ min: 0.5, max: 2, noNaN: true }),
  });
  fc.assert(fc.property(row, options, fc.integer({ min: 0, max: 1000 }), (values, o, seed) => {
    const filtered = Float64Array.from(values);
    applyRepetitionPenalty(filtered, [0], o.repetitionPenalty);
    applyTemperature(filtered, o.temperature);
    minPFilter(topPFilter(topKFilter(filtered, o.topK), o.topP), o.minP);
    const token = sampleToken(Float64Array.from(values), [0], o, new Generator(seed));
    assert.ok(filtered[token] !== -Infinity, `drew token ${token}, which the filters removed`);
  }), { seed: 4, numRuns: 300 });
});
