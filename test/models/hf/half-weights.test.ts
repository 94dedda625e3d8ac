// Half-precision weights (loadPretrained's `weights` option): a model loaded with bfloat16 or
// float16 matrices must compute what the float32 model computes on the same rounded weights —
// logits within 1e-5 (relative, floor 1) and greedy continuations identical, on every backend —
// while its weights take about half the arena. A model that cannot fit is refused from its
// config.json alone (no weights needed) with the bytes needed, the bytes free and what would fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrained, generate, fromArray, tidy, noGrad, memory, getBackend, setBackend, listBackends, type Tensor, type LoadedPretrained } from '../../../src/index.js';
import { copy_ } from '../../../src/nn/init.js';
import { forEachBackend } from '../../helpers/backends.js';
import { worstMismatch, describeMismatch } from '../../helpers/close.js';
import { saveSafetensorsFile } from '../../../src/io/safetensors-file.js';
import { fixtureDir } from './helpers.js';

const TOL = 1e-5;
const DTYPES = ['bfloat16', 'float16'] as const;

/** The float32 model with every weight matrix rounded to `dtype` and back (torch's `w.bfloat16().float()`). */
function roundedFloat32(name: string, dtype: 'bfloat16' | 'float16'): LoadedPretrained {
  const lm = loadPretrained(fixtureDir(name));
  noGrad(() => {
    for (const p of lm.model.parameters()) if (p.rank >= 2) tidy(() => void copy_(p, p.cast(dtype).cast('float32')));
  });
  return lm;
}

function forward(lm: LoadedPretrained, ids: Tensor): Float32Array {
  return noGrad(() => tidy(() => {
    const out = (lm.model as unknown as { forward(ids: Tensor): Tensor | { lastHiddenState: Tensor } }).forward(ids);
    return ((out as { lastHiddenState?: Tensor }).lastHiddenState ?? (out as Tensor)).data() as Float32Array;
  }));
}

for (const name of ['gpt2', 'gpt2-finetune', 'llama', 'qwen2', 'bert', 'distilbert']) {
  test(`${name}: bfloat16/float16 weights give the float32 model's outputs on the rounded weights, on every backend`, () => {
    forEachBackend((backend) => {
      for (const dtype of DTYPES) {
        const half = loadPretrained(fixtureDir(name), { weights: dtype });
        const ref = roundedFloat32(name, dtype);
        try {
          assert.equal(half.weightsDtype, dtype);
          for (const [param, p] of half.model.namedParameters()) assert.equal(p.dtype, p.rank >= 2 ? dtype : 'float32', `${name} ${param}`);
          const ids = fromArray(Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6]), [2, 4], { dtype: 'int32' });
          const got = forward(half, ids);
          const want = forward(ref, ids);
          const bad = worstMismatch(got, want, TOL);
          if (bad) assert.fail(`${name} ${backend} ${dtype}: ${describeMismatch(bad, [got.length], TOL)}`);
          ids.dispose();
        } finally {
          half.dispose();
          ref.dispose();
        }
      }
    });
  });
}

for (const name of ['gpt2', 'llama', 'qwen2']) {
  test(`${name}: greedy tokens with half weights equal the float32 model's on the rounded weights (KV cache on and off)`, async () => {
    for (const backend of ['ref', 'wasm']) {
      await withBackend(backend, async () => {
        for (const dtype of DTYPES) {
          const half = loadPretrained(fixtureDir(name), { weights: dtype });
          const ref = roundedFloat32(name, dtype);
          try {
            for (const useCache of [true, false]) {
              const options = { maxNewTokens: 12, temperature: 0, eosTokenId: null, useCache };
              const a = await generate(half.model as never, [5, 7, 11], options);
              const b = await generate(ref.model as never, [5, 7, 11], options);
              assert.deepEqual(a.tokens, b.tokens, `${name} ${backend} ${dtype} useCache ${useCache}`);
              assert.equal(a.tokens.length, 12);
            }
          } finally {
            half.dispose();
            ref.dispose();
          }
        }
      });
    }
  });
}

async function withBackend(name: string, fn: () => Promise<void>): Promise<void> {
  if (!listBackends().includes(name)) return;
  const previous = getBackend();
  setBackend(name);
  try {
    await fn();
  } finally {
    setBackend(previous);
  }
}

test('a model loaded with bfloat16 weights takes about half the arena of the float32 one', () => {
  for (const name of ['gpt2', 'llama', 'bert']) {
    const before = memory().numBytes;
    const full = loadPretrained(fixtureDir(name));
    const fullBytes = memory().numBytes - before;
    full.dispose();
    const half = loadPretrained(fixtureDir(name), { weights: 'bfloat16' });
    const halfBytes = memory().numBytes - before;
    // The matrices halve; the float32 vectors (norms, biases) and size-class rounding keep it a little above 0.5.
    const matrices = half.model.parameters().filter((p) => p.rank >= 2).reduce((n, p) => n + p.size, 0);
    const vectors = half.model.parameters().filter((p) => p.rank < 2).reduce((n, p) => n + p.size, 0);
    half.dispose();
    assert.ok(halfBytes / fullBytes > 0.48 && halfBytes / fullBytes < 0.56, `${name}: ${halfBytes} bytes with bfloat16, ${fullBytes} with float32`);
    assert.ok(halfBytes >= 2 * matrices + 4 * vectors, `${name}: ${halfBytes} bytes hold ${matrices} half and ${vectors} float32 values`);
    assert.equal(memory().numBytes, before, `${name}: dispose frees everything`);
  }
});

/** A folder whose config.json claims a Llama of the given size, with a one-tensor safetensors file. */
function claimedLlama(fields: Record<string, unknown>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'attn-huge-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      model_type: 'llama', hidden_act: 'silu', rms_norm_eps: 1e-5, rope_theta: 500000, max_position_embeddings: 131072,
      tie_word_embeddings: true, torch_dtype: 'bfloat16', ...fields,
    }));
    saveSafetensorsFile(join(dir, 'model.safetensors'), { 'model.norm.weight': { dtype: 'float32', shape: [4], data: new Float32Array(4) } });
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const LLAMA_1B = { hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, vocab_size: 128256 };
const LLAMA_8B = { hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, vocab_size: 128256, tie_word_embeddings: false };

function refusal(dir: string, options: Parameters<typeof loadPretrained>[1]): string {
  const before = memory().numTensors;
  let message = '';
  assert.throws(() => loadPretrained(dir, options), (err: Error) => {
    assert.equal(err.name, 'ModelTooLargeError', err.message);
    message = err.message;
    return true;
  });
  assert.ok(!message.includes('\n'), `one line: ${message}`);
  assert.equal(memory().numTensors, before, 'nothing allocated by a refusal');
  return message;
}

test('a 1B model is refused as float32 before any tensor is read, naming the bytes and that bfloat16 would fit; auto and bfloat16 pass the check', () => {
  claimedLlama(LLAMA_1B, (dir) => {
    const message = refusal(dir, {});
    assert.match(message, /config\.json: the model needs 5\.\d\d GiB \(1,235,814,400 parameters as float32 weights: 4\.6\d GiB; KV cache and activations for 1×2048 tokens: 0\.\d\d GiB\), more than the \d\.\d\d GiB free in the arena \(wasm32 memory is at most 4 GiB\); half-precision weights would fit \(weights: 'bfloat16' or 'float16', 2\.\d\d GiB\); fine-tuning: LoRA adapters over frozen half-precision weights need about 2\.\d\d GiB$/);
    // With half weights the check passes: what fails next is the missing weight (the folder has none), not memory.
    for (const weights of ['bfloat16', 'auto'] as const) {
      assert.throws(() => loadPretrained(dir, { weights }), /weight "model\.embed_tokens\.weight" \(for model\.embed_tokens\.weight \[128256, 2048\]\) is missing/);
    }
    // A longer workload does not fit even in half precision.
    assert.match(refusal(dir, { weights: 'bfloat16', workload: { batchSize: 8, sequenceLength: 8192 } }), /as bfloat16 weights: 2\.\d\d GiB; KV cache and activations for 8×8192 tokens: \d+\.\d\d GiB\).*even half-precision weights need/);
  });
});

test('an 8B model is refused in every dtype, saying that even half-precision weights do not fit', () => {
  claimedLlama(LLAMA_8B, (dir) => {
    const message = refusal(dir, { weights: 'auto' });
    assert.match(message, /the model needs 1\d\.\d\d GiB \(8,030,261,248 parameters as bfloat16 weights: 1[45]\.\d\d GiB;.*; even half-precision weights need 1\d\.\d\d GiB; fine-tuning: LoRA/);
  });
});

test('the weights option is checked', () => {
  assert.throws(() => loadPretrained(fixtureDir('gpt2'), { weights: 'int8' as never }), /loadPretrained: weights must be 'float32', 'bfloat16', 'float16' or 'auto', got "int8"/);
});
