/**
 * B7 a pretrained folder: a GPT-2-small-sized Hugging Face folder (12 layers, d 768, 12 heads,
 * vocab 50257, 1024 positions; random weights, 498 MB of F32 safetensors in GPT-2's own layout:
 * no `transformer.` prefix, Conv1D [in, out] weights, the `attn.bias` mask buffers) written to
 * the run's temporary folder by the bench, then per thread count:
 *
 * - load to first token: from calling `loadPretrained(dir)` (config, header checks, every tensor
 *   read, transposed and copied into the arena) to the first generated id of a 128-token prompt
 *   arriving from `streamTokens` (target < 2 s); the load alone is its own row;
 * - decoding: the other 127 new tokens, tokens/s, as B6 (greedy, KV cache, eosTokenId null).
 *
 * Rounds are interleaved over the thread counts (×1, ×2, ×1, ×2, …) and each row is the median
 * of the rounds; each round loads the folder afresh (the file is in the OS page cache: it was
 * just written, as a folder used twice is). --quick: 2 layers (wte alone is 154 MB), a 32-token
 * prompt and 16 new tokens. PyTorch has no row here: B6 gives its decoding at this shape.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attn, attnTargets, hasWasm, useTarget } from './lib/attn.js';
import type { BenchContext } from './lib/context.js';
import { errorMessage, median, type ResultRecord, type Timing } from './lib/measure.js';

export interface B7Plan {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  vocabSize: number;
  nPositions: number;
  prompt: number;
  newTokens: number;
  rounds: number;
}

export function b7Plan(quick: boolean): B7Plan {
  return { nLayer: quick ? 2 : 12, nHead: 12, nEmbd: 768, vocabSize: 50257, nPositions: 1024, prompt: quick ? 32 : 128, newTokens: quick ? 16 : 128, rounds: quick ? 2 : 3 };
}

export function b7Cases(p: B7Plan): { load: string; first: string; decode: string } {
  const shape = p.nLayer === 12 ? 'GPT-2 small' : `GPT-2 small shape, ${p.nLayer} layers`;
  return {
    load: `${shape}: loadPretrained`,
    first: `${shape}: loadPretrained to first token (prompt ${p.prompt})`,
    decode: `${shape}: prompt ${p.prompt} + ${p.newTokens} new: decoding`,
  };
}

/** GPT-2's tensors as the canonical checkpoint stores them: [name, shape, kind]. */
function gpt2Tensors(p: B7Plan): [string, number[], 'weight' | 'ones' | 'zeros' | 'mask'][] {
  const C = p.nEmbd;
  const list: [string, number[], 'weight' | 'ones' | 'zeros' | 'mask'][] = [['wte.weight', [p.vocabSize, C], 'weight'], ['wpe.weight', [p.nPositions, C], 'weight']];
  for (let i = 0; i < p.nLayer; i++) {
    const h = `h.${i}`;
    list.push(
      [`${h}.ln_1.weight`, [C], 'ones'], [`${h}.ln_1.bias`, [C], 'zeros'],
      [`${h}.attn.bias`, [1, 1, 64, 64], 'mask'], // the mask buffer (n_positions² in real saves; skipped by the loader)
      [`${h}.attn.c_attn.weight`, [C, 3 * C], 'weight'], [`${h}.attn.c_attn.bias`, [3 * C], 'zeros'],
      [`${h}.attn.c_proj.weight`, [C, C], 'weight'], [`${h}.attn.c_proj.bias`, [C], 'zeros'],
      [`${h}.ln_2.weight`, [C], 'ones'], [`${h}.ln_2.bias`, [C], 'zeros'],
      [`${h}.mlp.c_fc.weight`, [C, 4 * C], 'weight'], [`${h}.mlp.c_fc.bias`, [4 * C], 'zeros'],
      [`${h}.mlp.c_proj.weight`, [4 * C, C], 'weight'], [`${h}.mlp.c_proj.bias`, [C], 'zeros'],
    );
  }
  list.push(['ln_f.weight', [C], 'ones'], ['ln_f.bias', [C], 'zeros']);
  return list;
}

/**
 * Writes the folder (config.json, generation_config.json, model.safetensors) tensor by tensor:
 * weights uniform in ±0.04 (std ≈ 0.023, GPT-2's init scale) from a fixed LCG. Returns its bytes.
 */
export function writeGpt2Folder(dir: string, p: B7Plan): number {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: p.vocabSize, n_positions: p.nPositions, n_ctx: p.nPositions, n_embd: p.nEmbd,
    n_layer: p.nLayer, n_head: p.nHead, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, bos_token_id: 50256, eos_token_id: 50256, torch_dtype: 'float32',
  }, null, 2));
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 50256, eos_token_id: 50256 }));
  const tensors = gpt2Tensors(p);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = openSync(join(dir, 'model.safetensors'), 'w');
  try {
    const len = new DataView(new ArrayBuffer(8));
    len.setBigUint64(0, BigInt(json.length), true);
    writeSync(fd, new Uint8Array(len.buffer));
    writeSync(fd, new TextEncoder().encode(json));
    let s = 12345;
    const chunk = new Float32Array(1 << 20);
    for (const [, shape, kind] of tensors) {
      let left = shape.reduce((a, b) => a * b, 1);
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        for (let i = 0; i < n; i++) {
          if (kind === 'weight') {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            chunk[i] = (s / 2 ** 32 - 0.5) * 0.08;
          } else chunk[i] = kind === 'zeros' ? 0 : 1;
        }
        writeSync(fd, new Uint8Array(chunk.buffer, 0, 4 * n));
        left -= n;
      }
    }
  } finally {
    closeSync(fd);
  }
  return 8 + json.length + offset;
}

function promptIds(n: number, vocab: number): number[] {
  const out: number[] = [];
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s % vocab);
  }
  return out;
}

interface Sample {
  load: number;
  first: number;
  rest: number;
}

/** One round: load the folder, stream the new tokens; ms from the start of the load. */
async function oneRound(dir: string, prompt: number[], newTokens: number): Promise<Sample> {
  const t0 = performance.now();
  const loaded = attn.loadPretrained(dir);
  const load = performance.now() - t0;
  try {
    let n = 0;
    let first = 0;
    for await (const _ of attn.streamTokens(loaded.model as attn.GPT, prompt, { maxNewTokens: newTokens, temperature: 0, eosTokenId: null })) {
      if (n++ === 0) first = performance.now() - t0;
    }
    if (n !== newTokens) throw new Error(`streamTokens gave ${n} tokens, expected ${newTokens}`);
    return { load, first, rest: performance.now() - t0 - first };
  } finally {
    loaded.dispose();
  }
}

const timing = (xs: number[], minRuns: number): Timing => ({ medianMs: median(xs), minMs: Math.min(...xs), runs: xs.length, ...(xs.length < minRuns ? { limited: true } : {}) });

export async function b7(ctx: BenchContext): Promise<void> {
  const { rec } = ctx;
  const plan = b7Plan(ctx.quick || !hasWasm());
  const cases = b7Cases(plan);
  const dir = join(tmpdir(), `attn-b7-${process.pid}`);
  try {
    const t = performance.now();
    const bytes = writeGpt2Folder(dir, plan);
    rec.note('B7', `The folder: ${(bytes / 2 ** 20).toFixed(0)} MiB of F32 safetensors in GPT-2's layout (no transformer. prefix, Conv1D weights, attn.bias buffers), random weights, written in ${((performance.now() - t) / 1000).toFixed(1)} s before the rounds (so in the page cache). Load to first token: loadPretrained (headers checked, each tensor read, Conv1D transposed, copied into the arena) then streamTokens to the first id of a ${plan.prompt}-token prompt; decoding as B6 (greedy, KV cache, eosTokenId null). ${plan.rounds} rounds interleaved over the thread counts, medians.`);
    const prompt = promptIds(plan.prompt, plan.vocabSize);
    const targets = attnTargets(ctx.threads, !hasWasm());
    const samples = new Map<string, Sample[]>(targets.map((tg) => [`${tg.label}|${tg.threads}`, []]));
    const failed = new Map<string, string>();
    for (let round = 0; round < plan.rounds; round++) {
      for (const target of targets) {
        const key = `${target.label}|${target.threads}`;
        if (failed.has(key)) continue;
        try {
          await useTarget(target);
          samples.get(key)!.push(await oneRound(dir, prompt, plan.newTokens));
        } catch (e) {
          failed.set(key, errorMessage(e));
        }
      }
    }
    for (const target of targets) {
      const key = `${target.label}|${target.threads}`;
      const base = (c: string): ResultRecord => ({ bench: 'B7', case: c, impl: target.label, threads: target.threads });
      const got = samples.get(key)!;
      if (got.length === 0) {
        rec.add({ ...base(cases.first), na: failed.get(key) ?? 'no round ran' });
        continue;
      }
      rec.add({ ...base(cases.load), ...timing(got.map((s) => s.load), plan.rounds), extra: { 'MiB read': +(bytes / 2 ** 20).toFixed(0) } });
      rec.add({ ...base(cases.first), ...timing(got.map((s) => s.first), plan.rounds) });
      const rest = timing(got.map((s) => s.rest), plan.rounds);
      rec.add({ ...base(cases.decode), ...rest, metric: { name: 'tokens/s', value: (plan.newTokens - 1) / (rest.medianMs / 1000) } });
      if (failed.has(key)) rec.note('B7', `${target.label} ×${target.threads}: a later round failed: ${failed.get(key)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    attn.setBackend(hasWasm() ? 'wasm' : 'ref');
  }
}
