// The language-model targets of bench/report.mjs (B5, B6, quality) judged on hand-made records:
// best thread count per side, --quick shapes never counted as met, the quality ratio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTargets, qualityTarget, type BenchRecord, type QualityRun } from '../../bench/report.mjs';

const CPU = 'CPU config: 4 layers, d 128, block 64, batch 12';
const GPU_QUICK = 'GPU config: 6 layers, d 384, block 256, batch 4 (batch 4 instead of 64)';
const row = (c: string, impl: string, threads: number, ms: number, tokens = 768): BenchRecord => ({
  bench: 'B5', case: c, impl, threads, medianMs: ms, runs: 5, metric: { name: 'tokens/s', value: tokens / (ms / 1000) },
});
const byId = (records: BenchRecord[]) => Object.fromEntries(evaluateTargets(records).map((t) => [t.id, t]));

test('B5: attn and PyTorch each at their best thread count; 1.2× asked', () => {
  // attn best ×2 (100 ms), PyTorch best ×1 (150 ms): 1.5×, although PyTorch ×2 is slower still.
  const met = byId([row(CPU, 'attn wasm', 1, 190), row(CPU, 'attn wasm', 2, 100), row(CPU, 'PyTorch', 1, 150), row(CPU, 'PyTorch', 2, 400)]);
  assert.equal(met['B5-a']!.status, 'met');
  assert.match(met['B5-a']!.detail, /attn ×2 .* vs PyTorch ×1 .* = 1\.50×/);
  const missed = byId([row(CPU, 'attn wasm', 1, 100), row(CPU, 'PyTorch', 1, 110)]);
  assert.equal(missed['B5-a']!.status, 'not met');
  assert.match(missed['B5-a']!.short, /1\.10× of the 1\.2× asked/);
});

test('B5: a --quick batch is not the target shape, whatever the ratio', () => {
  const t = byId([row(GPU_QUICK, 'attn wasm', 1, 100), row(GPU_QUICK, 'PyTorch', 1, 1000)]);
  assert.equal(t['B5-b']!.status, 'not measured');
  assert.equal(t['B5-b']!.short, '');
});

test('B5 memory: a failed step is not met; GPT missing is not measured', () => {
  const c = 'memory: GPT-2 small shape, batch 4 × 512, one AdamW step';
  const failed = byId([{ bench: 'B5', case: c, impl: 'attn wasm', threads: 2, na: 'did not fit or failed: OutOfMemoryError: arena full' }]);
  assert.equal(failed['B5-m']!.status, 'not met');
  const missing = byId([{ bench: 'B5', case: c, impl: 'attn wasm', threads: 2, na: 'GPT not available (no GPT export)' }]);
  assert.equal(missing['B5-m']!.status, 'not measured');
  const fits = byId([{ bench: 'B5', case: c, impl: 'attn wasm', threads: 2, medianMs: 9000, runs: 1, extra: { 'peak MiB': 3100, 'parameters MiB': 475, 'params + grads + moments MiB': 1899, 'arena reserved MiB': 3300 } }]);
  assert.equal(fits['B5-m']!.status, 'met');
  assert.match(fits['B5-m']!.detail, /peak 3100 MiB/);
  // Both rows: the checkpointed one is the target's, the other is named beside it.
  const ck = 'memory: GPT-2 small shape, batch 4 × 512, one AdamW step, gradient checkpointing';
  const plain = 'memory: GPT-2 small shape, batch 4 × 512, one AdamW step, no checkpointing';
  const both = byId([
    { bench: 'B5', case: plain, impl: 'attn wasm', threads: 2, na: 'did not fit or failed: OutOfMemoryError: arena full' },
    { bench: 'B5', case: ck, impl: 'attn wasm', threads: 2, medianMs: 9000, runs: 1, extra: { 'peak MiB': 2100, 'parameters MiB': 475, 'params + grads + moments MiB': 1899, 'arena reserved MiB': 3300 } },
  ]);
  assert.equal(both['B5-m']!.status, 'met');
  assert.match(both['B5-m']!.detail, /gradient checkpointing: peak 2100 MiB .*; no checkpointing: did not fit or failed: OutOfMemoryError: arena full/);
});

test('B6: decoding against PyTorch, the cache speed-up, onnxruntime reported', () => {
  const b6 = (c: string, impl: string, threads: number, ms: number, tokens = 127): BenchRecord => ({
    bench: 'B6', case: c, impl, threads, medianMs: ms, runs: 3, metric: { name: 'tokens/s', value: tokens / (ms / 1000) },
  });
  const dec = 'prompt 128 + 128 new: decoding';
  const t = byId([
    b6(dec, 'attn wasm', 1, 4000), b6(dec, 'attn wasm', 2, 2500), b6(dec, 'PyTorch', 1, 3000), b6(dec, 'PyTorch', 2, 2600),
    b6(dec, 'onnxruntime-node', 2, 1250),
    b6('512 tokens (prompt 480 + 32 new), KV cache: decoding', 'attn wasm', 2, 1000, 31),
    b6('512 tokens (prompt 480 + 32 new), no cache: decoding', 'attn wasm', 2, 4000, 31),
  ]);
  assert.equal(t['B6-a']!.status, 'met'); // 2600 / 2500
  assert.equal(t['B6-b']!.status, 'not met'); // 4× of the 5× asked
  assert.match(t['B6-b']!.short, /4\.00× of the 5× asked/);
  assert.equal(t['B6-c']!.status, 'reported');
  assert.match(t['B6-c']!.detail, /= 0\.50× \(attn's speed as a fraction of onnxruntime's: 50%\)/);
});

test('quality: attn ≤ 1.03× PyTorch after the same 2000 steps', () => {
  const run = (loss: number, steps = 2000): QualityRun => ({ steps, finalValLoss: loss, curve: [{ step: steps, valLoss: loss }] });
  assert.equal(qualityTarget({ reference: run(1.5), attn: run(1.54) }).status, 'met');
  assert.equal(qualityTarget({ reference: run(1.5), attn: run(1.56) }).status, 'not met');
  assert.equal(qualityTarget({ reference: run(1.5), attn: null }).status, 'not measured');
  assert.equal(qualityTarget({ reference: run(1.5), attn: run(1.4, 20) }).status, 'not measured');
});
