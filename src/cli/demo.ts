/**
 * `attn demo`: a tiny self-attention model learns a toy task in a few seconds, printing its loss.
 * The task: sequences of 8 tokens from {1..4}; the label is the token that follows the first
 * occurrence of token 1 (0 if none) — solvable only by looking at other positions, i.e. attention.
 */
import { F, Tensor, manualSeed, noGrad, randn, tensor, tidy, zeros, memory, getBackend } from '../index.js';
import { AdamW } from '../optim/index.js';

const VOCAB = 5;
const SEQ = 8;
const DIM = 32;

function makeBatch(size: number, rng: () => number): { ids: number[][]; labels: number[] } {
  const ids: number[][] = [];
  const labels: number[] = [];
  for (let b = 0; b < size; b++) {
    const seq = Array.from({ length: SEQ }, () => 1 + Math.floor(rng() * 4));
    const at = seq.indexOf(1);
    ids.push(seq);
    labels.push(at >= 0 && at + 1 < SEQ ? seq[at + 1]! : 0);
  }
  return { ids, labels };
}

export interface DemoResult {
  firstLoss: number;
  lastLoss: number;
  accuracy: number;
}

/** Trains the toy model for `steps` steps; returns the first and last loss and final accuracy. */
export function runDemo(options: { steps?: number; log?: (line: string) => void } = {}): DemoResult {
  const steps = options.steps ?? 300;
  const log = options.log ?? (() => {});
  manualSeed(0);
  let state = 12345;
  const rng = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
  const init = (shape: number[], scale: number) => randn(shape).mul(scale).requiresGrad_();
  const params: Record<string, Tensor> = {
    embed: init([VOCAB, DIM], 0.5),
    pos: init([SEQ, DIM], 0.5),
    wq: init([DIM, DIM], 1 / Math.sqrt(DIM)),
    wk: init([DIM, DIM], 1 / Math.sqrt(DIM)),
    wv: init([DIM, DIM], 1 / Math.sqrt(DIM)),
    wo: init([VOCAB, DIM], 1 / Math.sqrt(DIM)),
    bo: zeros([VOCAB]).requiresGrad_(),
  };
  const optimizer = new AdamW(Object.values(params), { lr: 1e-2, weightDecay: 0 });
  const forward = (ids: Tensor): Tensor => {
    const x = F.embedding(ids, params.embed!).add(params.pos!); // (B, T, D)
    const q = F.linear(x, params.wq!); // (B, T, D)
    const k = F.linear(x, params.wk!);
    const v = F.linear(x, params.wv!);
    const h = F.scaledDotProductAttention(q, k, v).add(x); // (B, T, D)
    return F.linear(h.mean(1), params.wo!, params.bo!); // (B, VOCAB)
  };
  let firstLoss = NaN;
  let lastLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    const { ids, labels } = makeBatch(64, rng);
    const loss = tidy(() => {
      const l = F.crossEntropy(forward(tensor(ids, { dtype: 'int32' })), tensor(labels, { dtype: 'int32' }));
      l.backward();
      return l.item();
    });
    optimizer.step();
    optimizer.zeroGrad();
    if (step === 1) firstLoss = loss;
    lastLoss = loss;
    if (step === 1 || step % 25 === 0) log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}  live tensors ${memory().numTensors}`);
  }
  const { ids, labels } = makeBatch(512, rng);
  const accuracy = tidy(() => {
    const predicted = noGrad(() => forward(tensor(ids, { dtype: 'int32' })).argmax(-1)).data();
    return labels.filter((y, i) => predicted[i] === y).length / labels.length;
  });
  log(`accuracy on 512 new sequences: ${(accuracy * 100).toFixed(1)}% (backend ${getBackend()})`);
  return { firstLoss, lastLoss, accuracy };
}
