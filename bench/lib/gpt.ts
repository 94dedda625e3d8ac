/**
 * The attn language-model API that B5 and B6 measure, loaded dynamically and typed here, so that
 * the harness reports "n/a: GPT not available" instead of failing to compile on a tree without
 * it: the `GPT` class (src/models/gpt.ts), `generate` (src/generate/) and AdamW with nanoGPT's
 * weight-decay groups.
 */
import { attn } from './attn.js';
import { errorMessage } from './measure.js';

type Tensor = attn.Tensor;

/** nanoGPT's words (issue: `vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, bias`). */
export interface GptConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  bias: boolean;
}

export interface GptModel {
  /** ids (B, T) int32 → logits (B, T, vocab). */
  forward(ids: Tensor): Tensor;
  parameters(): Tensor[];
  namedParameters(): [string, Tensor][];
  train(mode?: boolean): unknown;
  eval(): unknown;
  dispose(): void;
}

export interface GenerateOptions {
  maxNewTokens: number;
  temperature?: number;
  useCache?: boolean;
  [k: string]: unknown;
}
export type GenerateFn = (model: GptModel, promptIds: number[], options: GenerateOptions) => Promise<{ tokens: ArrayLike<number> }>;
/** The streaming form: each new id as soon as it is chosen. */
export type StreamTokensFn = (model: GptModel, promptIds: number[], options: GenerateOptions) => AsyncIterable<{ token: number }>;

export interface LmApi {
  GPT: new (config: GptConfig, options?: { gradientCheckpointing?: boolean }) => GptModel;
  generate: GenerateFn | null;
  streamTokens: StreamTokensFn | null;
}

let cached: Promise<LmApi | string> | null = null;

/**
 * The GPT class and `generate`, from the entry point when it exports them, else from their
 * modules; a string saying what is missing when there is no GPT class.
 */
export function loadLm(): Promise<LmApi | string> {
  cached ??= (async () => {
    const pub = attn as unknown as Partial<LmApi> & { models?: Partial<LmApi> };
    let GPT = pub.GPT ?? pub.models?.GPT;
    let generate = pub.generate ?? null;
    let streamTokens = pub.streamTokens ?? null;
    const problems: string[] = [];
    if (!GPT) {
      try {
        const spec = '../../src/models/gpt.js';
        GPT = ((await import(spec)) as Partial<LmApi>).GPT;
      } catch (e) {
        problems.push(`src/models/gpt.ts: ${errorMessage(e)}`);
      }
    }
    if (!generate) {
      try {
        const spec = '../../src/generate/index.js';
        const mod = (await import(spec)) as Partial<LmApi>;
        generate = mod.generate ?? null;
        streamTokens = mod.streamTokens ?? null;
      } catch {
        // B6 says so in its rows; B5 does not need it
      }
    }
    if (!GPT) return `GPT not available (${problems.join('; ') || 'no GPT export'})`;
    return { GPT, generate, streamTokens };
  })();
  return cached;
}

/**
 * AdamW with nanoGPT's groups: weight decay on every parameter of rank ≥ 2 (matmul weights and
 * embeddings), none on biases and norm gains. Parameters are deduplicated (lm_head is tied to wte).
 */
export function nanoGptAdamW(model: GptModel, options: { lr: number; weightDecay: number; betas: [number, number] }): attn.optim.AdamW {
  const seen = new Set<Tensor>();
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [, p] of model.namedParameters()) {
    if (seen.has(p)) continue;
    seen.add(p);
    (p.rank >= 2 ? decay : noDecay).push(p);
  }
  return new attn.optim.AdamW(
    [
      { params: decay, weightDecay: options.weightDecay },
      { params: noDecay, weightDecay: 0 },
    ],
    { lr: options.lr, betas: options.betas },
  );
}

/**
 * One training step as nanoGPT's train.py: forward, mean cross-entropy over every position,
 * backward, clip the gradient norm to `gradClip`, AdamW step, zero the gradients. Returns the loss.
 */
export function lmTrainStep(model: GptModel, opt: attn.optim.AdamW, x: Tensor, y: Tensor, gradClip: number): number {
  const loss = attn.tidy(() => {
    const logits = model.forward(x); // (B, T, V)
    const V = logits.shape[2]!;
    const l = attn.F.crossEntropy(logits.reshape([-1, V]), y.reshape([-1])); // ()
    l.backward();
    return l.item();
  });
  if (gradClip > 0) attn.optim.clipGradNorm(model.parameters(), gradClip);
  opt.step();
  opt.zeroGrad();
  return loss;
}

/**
 * B5's CPU-configuration training step, set up once (for A/B and profiles): nanoGPT's
 * Shakespeare-char model (4 layers, 4 heads, d 128, block 64, no biases, dropout 0) in training
 * mode, AdamW (decay 0.1, betas 0.9/0.99, over every parameter), and one batch of 12 × 64 ids of its
 * 65-token vocabulary from a fixed LCG. `step()` is one `lmTrainStep` with the gradient clipped to 1.
 */
export function b5CpuTrainStep(): { step(): number; dispose(): void } {
  attn.manualSeed(0);
  const model = new attn.GPT({ vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false });
  model.train();
  const opt = new attn.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.1, betas: [0.9, 0.99] });
  let s = 99;
  const rand = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % 65;
  const x = attn.keep(attn.fromArray(Int32Array.from({ length: 12 * 64 }, rand), [12, 64], { dtype: 'int32' }));
  const y = attn.keep(attn.fromArray(Int32Array.from({ length: 12 * 64 }, rand), [12, 64], { dtype: 'int32' }));
  return {
    step: () => lmTrainStep(model, opt, x, y, 1.0), // logits, cross-entropy, backward, clip to 1, AdamW
    dispose: () => {
      attn.dispose([x, y]);
      model.dispose();
    },
  };
}
