// Progress lines on a stream that is not a terminal: epochs for a classifier, steps alone for a
// language model (a stream trained by steps), with loss, tokens/s and ETA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrainingProgress } from '../../src/train/progress.js';

function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => (lines.push(s), true), isTTY: false } };
}

test('progress lines: an epoch label for epochs, none for a stream; loss, tokens/s, ETA', () => {
  const lm = capture();
  const p = new TrainingProgress(true, lm.stream);
  p.start({ epoch: 1, epochs: null, step: 0, totalSteps: 10, loss: NaN, tokensPerSecond: 0 });
  p.update({ epoch: 1, epochs: null, step: 10, totalSteps: 10, loss: 1.23456, tokensPerSecond: 812.4 });
  assert.match(lm.lines.join(''), /^step 10\/10 loss 1\.2346 812 tok\/s ETA \d+s\n$/);
  const clf = capture();
  const q = new TrainingProgress(true, clf.stream);
  q.start({ phase: 'pretraining', epoch: 2, epochs: 3, step: 4, totalSteps: 6, loss: NaN, tokensPerSecond: 0 });
  q.update({ phase: 'pretraining', epoch: 2, epochs: 3, step: 6, totalSteps: 6, loss: 0.5, tokensPerSecond: 100 });
  assert.match(clf.lines.join(''), /^pretraining epoch 2\/3 step 6\/6 loss 0\.5000 100 tok\/s ETA \d+s\n$/);
  const off = capture();
  new TrainingProgress(false, off.stream).update({ epoch: 1, epochs: 1, step: 1, totalSteps: 1, loss: 1, tokensPerSecond: 1 });
  assert.deepEqual(off.lines, []);
});

test('on a terminal, a message goes above the bar and the bar comes back at the next update', () => {
  const out: string[] = [];
  const stream = { write: (s: string) => (out.push(s), true), isTTY: true, columns: 120 };
  const p = new TrainingProgress(true, stream);
  p.start({ epoch: 1, epochs: null, step: 0, totalSteps: 10, loss: NaN, tokensPerSecond: 0 });
  p.update({ epoch: 1, epochs: null, step: 2, totalSteps: 10, loss: 2, tokensPerSecond: 50 });
  p.log('step 2/10: validation loss 1.9000');
  const afterMessage = out.length;
  p.update({ epoch: 1, epochs: null, step: 3, totalSteps: 10, loss: 1.5, tokensPerSecond: 60 });
  p.stop();
  const text = out.join('');
  assert.ok(text.indexOf('step 2/10: validation loss 1.9000\n') > text.indexOf('| step 0/10 |'), 'the message after the first bar');
  assert.match(out.slice(afterMessage).join(''), /\| step 3\/10 \| loss 1\.5000 \| 60 tok\/s \|/, 'a bar again after the message');
});
