/**
 * B4 classifier `clf-small`: vocab 20000, d 128, 4 heads, 2 layers, ffn 512, seq 256, batch 32,
 * pre-norm, GELU, mean pooling, 20 classes, AdamW. Training step (forward, cross-entropy,
 * backward, optimizer step) and inference (forward, no tape), as tokens per second.
 *
 * attn: TransformerClassifier + AdamW from src/ (loaded dynamically: the harness reports
 * "n/a: models not available" rather than failing when they are missing). tfjs: the same model
 * with tfjs-core ops (peers/tfjs-classifier.ts): trains on tfjs-backend-cpu; tfjs-backend-wasm is
 * tried too and fails for want of an embedding gradient kernel. PyTorch runs in torch_bench.py.
 */
import { attn, attnTargets, hasWasm, useTarget } from './lib/attn.js';
import type { BenchContext } from './lib/context.js';
import { errorMessage, timeSync, type ResultRecord, type Timing } from './lib/measure.js';
import { loadTf, useTfBackend, type Tf } from './peers/load.js';
import { tfClassifier, type ClfConfig } from './peers/tfjs-classifier.js';

type Tensor = attn.Tensor;

/** The API B4 expects from src/models and src/optim (typed here: they load dynamically). */
interface Classifier {
  forward(ids: Tensor): Tensor;
  parameters(): Tensor[];
  train(mode?: boolean): unknown;
  eval(): unknown;
  dispose(): void;
}
interface Optimizer {
  step(): void;
  zeroGrad(): void;
}
interface ModelsModule {
  TransformerClassifier: new (config: Record<string, unknown>) => Classifier;
}
interface OptimModule {
  AdamW: new (params: Tensor[], options: { lr: number; weightDecay?: number }) => Optimizer;
}

export const CLF_SMALL = { vocabSize: 20000, dModel: 128, numHeads: 4, numLayers: 2, dimFeedforward: 512, numClasses: 20, seq: 256, batch: 32 };

export function b4Shape(quick: boolean, wasm: boolean): { batch: number; seq: number } {
  // --quick, or the spec backend alone: a smaller batch so a step takes seconds, not a minute.
  if (quick || !wasm) return { batch: 4, seq: 128 };
  return { batch: CLF_SMALL.batch, seq: CLF_SMALL.seq };
}

function batchData(batch: number, seq: number): { ids: Int32Array; labels: Int32Array } {
  const ids = new Int32Array(batch * seq);
  const labels = new Int32Array(batch);
  let s = 12345;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < ids.length; i++) ids[i] = 1 + (next() % (CLF_SMALL.vocabSize - 1)); // no padding (id 0)
  for (let i = 0; i < batch; i++) labels[i] = next() % CLF_SMALL.numClasses;
  return { ids, labels };
}

const tokensPerSecond = (t: Timing, tokens: number): { name: string; value: number } => ({ name: 'tokens/s', value: tokens / (t.medianMs / 1000) });

export async function b4(ctx: BenchContext): Promise<void> {
  const { rec } = ctx;
  const wasm = hasWasm();
  const { batch, seq } = b4Shape(ctx.quick, wasm);
  const tokens = batch * seq;
  const shapeNote = batch === CLF_SMALL.batch && seq === CLF_SMALL.seq ? '' : ` (batch ${batch}, seq ${seq})`;
  const trainCase = `train step${shapeNote}`;
  const inferCase = `inference${shapeNote}`;
  if (shapeNote) rec.note('B4', `batch ${batch} × seq ${seq} instead of 32 × 256 (${ctx.quick ? '--quick' : "only the 'ref' spec backend is registered"}).`);
  // Long steps (seconds): exactly the minimum number of runs.
  const opts = { ...ctx.opts, minSeconds: Math.min(ctx.opts.minSeconds, 1) };
  const data = batchData(batch, seq);
  const config = {
    type: 'transformer', vocabSize: CLF_SMALL.vocabSize, numClasses: CLF_SMALL.numClasses, maxLength: seq,
    dModel: CLF_SMALL.dModel, numHeads: CLF_SMALL.numHeads, numLayers: CLF_SMALL.numLayers, dimFeedforward: CLF_SMALL.dimFeedforward,
    dropout: 0, activation: 'gelu', pooling: 'mean', positional: 'sinusoidal',
  };

  // attn
  let models: ModelsModule | null = null;
  let optim: OptimModule | null = null;
  let missing = '';
  try {
    const m = '../src/models/index.js';
    const o = '../src/optim/index.js';
    models = (await import(m)) as ModelsModule;
    optim = (await import(o)) as OptimModule;
  } catch (e) {
    missing = `models not available (${errorMessage(e)})`;
  }
  for (const target of attnTargets(ctx.threads, !wasm)) {
    const base = (c: string): ResultRecord => ({ bench: 'B4', case: c, impl: target.label, threads: target.threads });
    if (!models || !optim) {
      rec.add({ ...base(trainCase), na: missing });
      rec.add({ ...base(inferCase), na: missing });
      continue;
    }
    let model: Classifier | null = null;
    try {
      await useTarget(target);
      attn.manualSeed(0);
      model = new models.TransformerClassifier(config);
      const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
      const ids = attn.keep(attn.fromArray(data.ids, [batch, seq], { dtype: 'int32' }));
      const labels = attn.keep(attn.fromArray(data.labels, [batch], { dtype: 'int32' }));
      const m = model;
      try {
        m.train();
        const train = timeSync(() => {
          attn.tidy(() => attn.F.crossEntropy(m.forward(ids), labels).backward());
          opt.step();
          opt.zeroGrad();
        }, opts);
        rec.add({ ...base(trainCase), ...train, metric: tokensPerSecond(train, tokens) });
      } catch (e) {
        rec.fail(base(trainCase), e);
      }
      try {
        m.eval();
        const infer = timeSync(() => attn.noGrad(() => attn.tidy(() => void m.forward(ids))), opts);
        rec.add({ ...base(inferCase), ...infer, metric: tokensPerSecond(infer, tokens) });
      } catch (e) {
        rec.fail(base(inferCase), e);
      }
      attn.dispose([ids, labels]);
    } catch (e) {
      rec.fail(base(trainCase), e);
    } finally {
      model?.dispose();
    }
  }

  // tfjs: training on cpu (Adam: tfjs has no AdamW), inference on wasm; training on wasm is tried.
  await tfjsClassifier(ctx, data, batch, seq, trainCase, inferCase, opts);
}

/**
 * tfjs-cpu's UnsortedSegmentSum (the gradient of tf.gather, so of every embedding) loops over all
 * vocabulary rows with a full pass over the tokens each: O(vocab · tokens · d). Two small probes
 * give its cost per token; a clf-small batch would take tens of minutes per step.
 */
function estimateCpuEmbeddingGradSeconds(tf: Tf, tokens: number): { seconds: number; probe: string } {
  const probe = (n: number): number => {
    const x = tf.randomNormal([n, CLF_SMALL.dModel]);
    const ids = tf.randomUniform([n], 0, CLF_SMALL.vocabSize, 'int32');
    const t = performance.now();
    tf.unsortedSegmentSum(x, ids, CLF_SMALL.vocabSize).dispose();
    const ms = performance.now() - t;
    x.dispose();
    ids.dispose();
    return ms;
  };
  const a = probe(4);
  const b = probe(16);
  const perToken = Math.max((b - a) / 12, b / 16 / 4); // ms; the floor guards a noisy slope
  return { seconds: (a + perToken * (tokens - 4)) / 1000, probe: `${(a / 1000).toFixed(1)} s for 4 tokens, ${(b / 1000).toFixed(1)} s for 16` };
}

async function tfjsClassifier(
  ctx: BenchContext,
  data: { ids: Int32Array; labels: Int32Array },
  batch: number,
  seq: number,
  trainCase: string,
  inferCase: string,
  opts: BenchContext['opts'],
): Promise<void> {
  const { rec } = ctx;
  const tokens = batch * seq;
  // impl label, backend, embedding formulation, what to measure
  const plan: { impl: string; backend: 'cpu' | 'wasm'; embedding: 'gather' | 'onehot'; train: boolean; infer: boolean }[] = [
    { impl: 'tfjs-wasm', backend: 'wasm', embedding: 'gather', train: true, infer: true },
    { impl: 'tfjs-wasm one-hot', backend: 'wasm', embedding: 'onehot', train: true, infer: false },
    { impl: 'tfjs-cpu', backend: 'cpu', embedding: 'gather', train: true, infer: false },
  ];
  rec.note('B4', 'tfjs trains with Adam (tfjs-core has no AdamW; the decoupled decay is one extra axpy per tensor), gradients by tf.variableGrads.');
  rec.note('B4', "tfjs-wasm one-hot: the embedding as one-hot(ids) @ table, a workaround that lets tfjs-backend-wasm train (its tf.gather has no gradient kernel); it adds 2·tokens·vocab·d FLOPs each way.");
  rec.note('B4', 'tfjs-cpu inference and one-hot training not run: tfjs-cpu matmul runs at about 1 GFLOP/s (B1), minutes per step.');
  for (const p of plan) {
    const base = (c: string): ResultRecord => ({ bench: 'B4', case: c, impl: p.impl, threads: 1 });
    let tf: Tf;
    try {
      tf = (await loadTf()).tf;
      await useTfBackend(tf, p.backend);
    } catch (e) {
      if (p.train) rec.fail(base(trainCase), e);
      if (p.infer) rec.fail(base(inferCase), e);
      continue;
    }
    if (p.backend === 'cpu' && p.train) {
      try {
        const est = estimateCpuEmbeddingGradSeconds(tf, tokens);
        if (est.seconds > opts.budgetSeconds) {
          rec.add({
            ...base(trainCase),
            na: `not run: its embedding gradient alone (UnsortedSegmentSum, O(vocab·tokens·d) on tfjs-cpu) would take ≈ ${est.seconds >= 120 ? `${(est.seconds / 60).toFixed(0)} min` : `${est.seconds.toFixed(0)} s`} per step (probed: ${est.probe})`,
          });
          continue;
        }
      } catch (e) {
        rec.fail(base(trainCase), e);
        continue;
      }
    }
    const cfg: ClfConfig = { ...CLF_SMALL, seq, embedding: p.embedding };
    let model: ReturnType<typeof tfClassifier> | null = null;
    const owned: Tf[] = [];
    try {
      model = tfClassifier(tf, cfg);
      const m = model;
      const ids = tf.tensor(data.ids, [batch, seq], 'int32');
      owned.push(ids);
      const onehot = tf.oneHot(tf.tensor(data.labels, [batch], 'int32'), CLF_SMALL.numClasses);
      owned.push(onehot);
      if (p.train) {
        const optimizer = tf.train.adam(1e-3);
        try {
          const loss = (): Tf => tf.losses.softmaxCrossEntropy(onehot, m.forward(ids));
          const t = timeSync(
            () =>
              tf.tidy(() => {
                const { grads } = tf.variableGrads(loss, m.variables);
                optimizer.applyGradients(grads);
              }),
            opts,
          );
          rec.add({ ...base(trainCase), ...t, metric: tokensPerSecond(t, tokens), note: 'Adam' });
        } catch (e) {
          rec.fail(base(trainCase), e);
        } finally {
          optimizer.dispose();
        }
      }
      if (p.infer) {
        try {
          const t = timeSync(() => tf.tidy(() => void m.forward(ids)), opts);
          rec.add({ ...base(inferCase), ...t, metric: tokensPerSecond(t, tokens) });
        } catch (e) {
          rec.fail(base(inferCase), e);
        }
      }
    } catch (e) {
      rec.fail(base(trainCase), e);
    } finally {
      model?.dispose();
      for (const t of owned) t.dispose();
    }
  }
}
