// Long-run memory: trains a small transformer classifier and predicts with it, round after round,
// for ATTN_LONG_RUN_MINUTES (default 30), sampling the process's RSS and the engine's arena
// (memory(): live tensors, bytes, peak, reserved) every ATTN_SAMPLE_SECONDS (default 5). Flat
// means: after the warm-up (the first quarter of the time), the last quarter's median RSS is
// within 10% + 16 MB of the second quarter's, the arena's reserved and peak bytes do not grow
// past the second quarter's, and the live tensors and bytes after every optimizer step are
// exactly the same in every round (a leak of one tensor per step or per round would show).
// Prints the figures (stderr) for docs/robustness.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadTextClassifier, memory, resetPeakMemory, trainTextClassifier } from '../src/index.js';

const MINUTES = Number(process.env.ATTN_LONG_RUN_MINUTES ?? 30);
const SAMPLE_MS = Number(process.env.ATTN_SAMPLE_SECONDS ?? 5) * 1000;
const MB = 1024 * 1024;

interface Sample { t: number; rss: number; numTensors: number; numBytes: number; peakBytes: number; reservedBytes: number; phase: 'train' | 'predict' }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

test(`training and predicting for ${MINUTES} min keeps RSS and the arena flat`, { timeout: (MINUTES + 10) * 60_000 }, async () => {
  assert.ok(MINUTES > 0 && SAMPLE_MS > 0, 'ATTN_LONG_RUN_MINUTES and ATTN_SAMPLE_SECONDS must be positive');
  const root = mkdtempSync(join(tmpdir(), 'attn-long-run-'));
  const words = ['free', 'cash', 'prize', 'offer', 'win', 'meeting', 'patch', 'review', 'notes', 'agenda', 'today', 'the', 'a', 'for'];
  let s = 11;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % words.length);
  const data = Array.from({ length: 96 }, (_, i) => ({
    text: `${i % 2 ? 'free cash' : 'meeting patch'} ${Array.from({ length: 3 + (i % 9) }, () => words[next()]).join(' ')}`,
    label: i % 2 ? 'spam' : 'ham',
  }));
  const texts = data.slice(0, 32).map((d) => d.text);
  const samples: Sample[] = [];
  const start = Date.now();
  const end = start + MINUTES * 60_000;
  let lastSample = -Infinity;
  const sample = (phase: Sample['phase']) => {
    const now = Date.now();
    if (now - lastSample < SAMPLE_MS) return;
    lastSample = now;
    const m = memory();
    samples.push({ t: now - start, rss: process.memoryUsage().rss, numTensors: m.numTensors, numBytes: m.numBytes, peakBytes: m.peakBytes, reservedBytes: m.reservedBytes, phase });
  };
  // Live tensors and bytes after each optimizer step, per round (steps ≥ 3: the optimizer's state exists by then).
  const stepMemory: string[][] = [];
  const idle: { numTensors: number; numBytes: number }[] = [];
  let rounds = 0;
  let predictions = 0;
  try {
    while (Date.now() < end) {
      const outDir = join(root, `round-${rounds % 2}`);
      rmSync(outDir, { recursive: true, force: true });
      resetPeakMemory();
      const steps: string[] = [];
      await trainTextClassifier({
        data, model: 'transformer', outDir, baseline: false, maxLength: 24, vocabSize: 60, dModel: 16, layers: 1, heads: 2,
        trainer: {
          epochs: 2, batchSize: 8, evalEvery: 4, patience: 0, progress: false, log: () => {},
          onStep: (step) => {
            if (step >= 3) { const m = memory(); steps.push(`${m.numTensors}/${m.numBytes}`); }
            sample('train');
          },
        },
        log: () => {},
      } as Parameters<typeof trainTextClassifier>[0]);
      stepMemory.push(steps);
      const classifier = loadTextClassifier(outDir);
      for (let i = 0; i < 20 && Date.now() < end; i++) {
        const out = classifier.predict(texts, { attention: 1 });
        assert.equal(out.length, texts.length);
        predictions += out.length;
        sample('predict');
      }
      classifier.dispose();
      const m = memory();
      idle.push({ numTensors: m.numTensors, numBytes: m.numBytes });
      rounds++;
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const minutes = (Date.now() - start) / 60_000;
  const q = (k: number) => samples.filter((x) => x.t >= (k - 1) * (MINUTES * 60_000) / 4 && x.t < k * (MINUTES * 60_000) / 4);
  const [q2, q4] = [q(2), q(4)];
  const fig = (xs: Sample[], key: keyof Sample, f: (v: number[]) => number) => f(xs.map((x) => x[key] as number));
  const report = {
    minutes: Number(minutes.toFixed(2)), rounds, predictions, samples: samples.length, backend: memory().backend,
    rssMB: { first: Number((samples[0]!.rss / MB).toFixed(1)), q2Median: Number((fig(q2, 'rss', median) / MB).toFixed(1)), q4Median: Number((fig(q4, 'rss', median) / MB).toFixed(1)), max: Number((fig(samples, 'rss', (v) => Math.max(...v)) / MB).toFixed(1)) },
    arena: {
      q2MaxReservedMB: Number((fig(q2, 'reservedBytes', (v) => Math.max(...v)) / MB).toFixed(1)), q4MaxReservedMB: Number((fig(q4, 'reservedBytes', (v) => Math.max(...v)) / MB).toFixed(1)),
      q2MaxPeakKB: Number((fig(q2, 'peakBytes', (v) => Math.max(...v)) / 1024).toFixed(1)), q4MaxPeakKB: Number((fig(q4, 'peakBytes', (v) => Math.max(...v)) / 1024).toFixed(1)),
      liveAfterStep: stepMemory[0]![0], liveBetweenRounds: idle[0],
    },
  };
  process.stderr.write(`long-run memory: ${JSON.stringify(report)}\n`);
  assert.ok(rounds >= 4 && q2.length >= 2 && q4.length >= 2, `too short a run to judge (${rounds} rounds, ${samples.length} samples): raise ATTN_LONG_RUN_MINUTES or lower ATTN_SAMPLE_SECONDS`);
  // Exactly the same live tensors and bytes after every step of every round, and between rounds.
  const firstStep = stepMemory[0]![0]!;
  stepMemory.forEach((steps, r) => steps.forEach((m, i) => assert.equal(m, firstStep, `round ${r}, step ${i + 3}: live tensors/bytes ${m}, expected ${firstStep}`)));
  idle.forEach((m, r) => assert.deepEqual(m, idle[0], `after round ${r}: ${JSON.stringify(m)}, expected ${JSON.stringify(idle[0])}`));
  // RSS: no upward trend after the warm-up.
  const [rss2, rss4] = [fig(q2, 'rss', median), fig(q4, 'rss', median)];
  assert.ok(rss4 <= rss2 * 1.1 + 16 * MB, `RSS grew: median ${(rss4 / MB).toFixed(1)} MB in the last quarter, ${(rss2 / MB).toFixed(1)} MB in the second`);
  // The arena: what it reserves and its peak use do not grow.
  assert.ok(fig(q4, 'reservedBytes', (v) => Math.max(...v)) <= fig(q2, 'reservedBytes', (v) => Math.max(...v)), 'the arena reserved more memory in the last quarter');
  assert.ok(fig(q4, 'peakBytes', (v) => Math.max(...v)) <= fig(q2, 'peakBytes', (v) => Math.max(...v)) * 1.1, 'the arena\'s peak use grew');
});
