// LoRA adapters on the tiny Hugging Face fixtures (tools/make-hf-fixtures.py): the adapted model
// equals the base at init, only the adapters get gradients and optimizer state, a few steps lower
// the loss, adapters round-trip through a PEFT folder with PEFT's names, and the merged model
// computes the unmerged function within 1e-5; on every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrained, fromArray, tidy, noGrad, memory, manualSeed, causalLmLoss, type Tensor, type Module } from '../../src/index.js';
import { AdamW } from '../../src/optim/index.js';
import { applyLora, mergeLora, removeLora, loraStateDict, saveLoraAdapters, loadLoraAdapters, defaultLoraTargets, trainingBytes, LoraError } from '../../src/optim/lora.js';
import { loadSafetensorsFile } from '../../src/io/safetensors-file.js';
import { copy_ } from '../../src/nn/init.js';
import { forEachBackend } from '../helpers/backends.js';
import { fixtureDir } from '../models/hf/helpers.js';

type LM = Module<[Tensor], Tensor>;
const load = (name: string): LM => loadPretrained(fixtureDir(name)).model as unknown as LM;
const IDS = [[5, 9, 13, 2, 40, 41, 7, 7], [1, 60, 3, 22, 17, 30, 11, 4]];
const ids = (): Tensor => fromArray(Int32Array.from(IDS.flat()), [2, 8], { dtype: 'int32' });
const logitsOf = (m: LM): Float32Array => tidy(() => noGrad(() => m.forward(ids()).data() as Float32Array));
const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** Sets every lora_B to small random values, so that the adapters change the function. */
function perturbAdapters(m: Module): void {
  noGrad(() => {
    for (const [name, p] of Object.entries(loraStateDict(m))) {
      if (!name.endsWith('lora_B.weight')) continue;
      const v = new Float32Array(p.size).map((_, i) => Math.sin(i * 1.3 + p.size) * 0.05);
      copy_(p, v);
    }
  });
}

test('default targets are the attention and MLP projections of each family', () => {
  const expectTargets: Record<string, string[]> = {
    gpt2: ['c_attn', 'c_proj', 'c_fc'],
    llama: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    bert: ['query', 'key', 'value', 'output.dense', 'intermediate.dense'],
  };
  for (const [name, want] of Object.entries(expectTargets)) {
    const m = load(name);
    assert.deepEqual(defaultLoraTargets(m), want);
    const lora = applyLora(m, { rank: 2 });
    const perLayer = name === 'gpt2' ? 4 : name === 'llama' ? 7 : 6; // BERT: q, k, v, attention.output.dense, intermediate.dense, output.dense
    assert.equal(lora.layers.length, 2 * perLayer, `${name}: ${lora.layers.join(', ')}`);
    assert.ok(!lora.layers.some((l) => l.includes('pooler')), 'BERT pooler not adapted');
    m.dispose();
  }
});

test('LoRA at init is the base model; only the adapters train; optimizer state only for them', () => {
  forEachBackend(() => {
    for (const name of ['gpt2', 'llama']) {
      const m = load(name);
      const base = logitsOf(m);
      const nBase = m.numParameters();
      const lora = applyLora(m, { rank: 4, alpha: 8 });
      assert.equal(maxDiff(logitsOf(m), base), 0, `${name}: B = 0 leaves the logits bit-identical`);
      const trainable = m.parameters().filter((p) => p.requiresGrad);
      const adapterKeys = Object.keys(loraStateDict(m));
      assert.equal(trainable.length, adapterKeys.length);
      assert.equal(adapterKeys.length, 2 * lora.layers.length);
      assert.ok(m.numParameters({ trainableOnly: true }) < nBase / 4, 'adapters are a small part');
      // A's init is nn.Linear's kaiming_uniform(a=√5): U(±1/√in), not zero.
      const a = Object.entries(loraStateDict(m)).find(([k]) => k.endsWith('lora_A.weight'))![1];
      const bound = 1 / Math.sqrt(a.shape[1]!);
      const av = a.data() as Float32Array;
      assert.ok(av.every((v) => Math.abs(v) <= bound) && av.some((v) => v !== 0));

      // One step: frozen weights get no gradient, adapters do; AdamW keeps moments for adapters only.
      m.train();
      const opt = new AdamW(m.parameters().filter((p) => p.requiresGrad), { lr: 1e-2 });
      tidy(() => {
        const x = ids();
        const logits = m.forward(x.slice(1, 0, 7)); // (2, 7, V)
        causalLmLoss(logits, x.slice(1, 1, 8)).backward();
      });
      for (const [k, p] of m.namedParameters()) {
        if (/lora_[AB]/.test(k)) assert.ok(p.grad, `${k} has a gradient`);
        else assert.equal(p.grad, null, `${k} is frozen: no gradient`);
      }
      opt.step();
      const state = opt.stateDict().state.filter((s) => s !== null);
      assert.equal(state.length, adapterKeys.length, 'one state entry per adapter');
      const stateTensors = state.flatMap((s) => Object.values(s!).filter((v) => typeof v === 'object'));
      assert.equal(stateTensors.length, 2 * adapterKeys.length, 'exp_avg and exp_avg_sq of each adapter, nothing for frozen weights');
      assert.ok(trainingBytes(m) < 0.5 * 16 * nBase, 'LoRA needs far less than a full fine-tune');
      opt.dispose();
      m.zeroGrad();
      m.dispose();
    }
  });
});

test('a few LoRA steps lower the loss on a tiny text', () => {
  forEachBackend(() => {
    manualSeed(0);
    const m = load('gpt2');
    applyLora(m, { rank: 4, alpha: 16 });
    m.train();
    const opt = new AdamW(m.parameters().filter((p) => p.requiresGrad), { lr: 2e-2, weightDecay: 0 });
    const seq = Int32Array.from({ length: 2 * 17 }, (_, i) => (i * 7) % 13 + 3); // a repeating pattern
    const step = (): number => tidy(() => {
      const x = fromArray(seq, [2, 17], { dtype: 'int32' });
      const loss = causalLmLoss(m.forward(x.slice(1, 0, 16)), x.slice(1, 1, 17));
      loss.backward();
      return loss.item();
    });
    m.eval(); // no dropout, so the losses compare
    const first = step();
    m.zeroGrad();
    for (let i = 0; i < 8; i++) {
      step();
      opt.step();
      opt.zeroGrad();
    }
    const last = step();
    m.zeroGrad();
    assert.ok(last < first - 0.3, `loss ${first} → ${last}`);
    opt.dispose();
    m.dispose();
  });
});

test('adapters round-trip through a PEFT folder with PEFT names; merge equals unmerged', () => {
  forEachBackend(() => {
    for (const name of ['gpt2', 'llama', 'bert']) {
      const dir = mkdtempSync(join(tmpdir(), 'attn-lora-'));
      try {
        const m = load(name);
        applyLora(m, { rank: 3, alpha: 6, dropout: 0.1 });
        perturbAdapters(m);
        m.eval();
        const isBert = name === 'bert';
        const out = (x: LM): Float32Array => isBert
          ? tidy(() => noGrad(() => (x.forward(ids()) as unknown as { lastHiddenState: Tensor }).lastHiddenState.data() as Float32Array))
          : logitsOf(x);
        const adapted = out(m);
        saveLoraAdapters(m, dir, { fanInFanOut: name === 'gpt2' });
        const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
        assert.equal(config.r, 3);
        assert.equal(config.lora_alpha, 6);
        assert.equal(config.lora_dropout, 0.1);
        assert.equal(config.bias, 'none');
        assert.equal(config.peft_type, 'LORA');
        assert.equal(config.task_type, 'CAUSAL_LM');
        assert.deepEqual(config.target_modules, defaultLoraTargets(load(name)));
        const keys = Object.keys(loadSafetensorsFile(join(dir, 'adapter_model.safetensors')).tensors);
        const want = {
          gpt2: 'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight',
          llama: 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight',
          bert: 'base_model.model.encoder.layer.0.attention.self.query.lora_B.weight',
        }[name]!;
        assert.ok(keys.includes(want), `${want} in ${keys.slice(0, 4).join(', ')}…`);
        assert.ok(keys.every((k) => k.startsWith('base_model.model.') && /\.lora_[AB]\.weight$/.test(k)));

        // A fresh base + the folder = the same function.
        const again = load(name);
        assert.notEqual(maxDiff(out(again), adapted), 0, 'the adapters change the function');
        loadLoraAdapters(again, dir);
        again.eval();
        assert.equal(maxDiff(out(again), adapted), 0, `${name}: loaded adapters give the same outputs`);

        // Merged: no adapters left, same outputs within 1e-5, parameters trainable again.
        mergeLora(again);
        assert.ok(!again.namedParameters().some(([k]) => k.includes('lora_')));
        assert.ok(again.parameters().every((p) => p.requiresGrad));
        const merged = out(again);
        assert.ok(maxDiff(merged, adapted) <= 1e-5 * Math.max(1, ...adapted.map(Math.abs)), `${name}: merged vs unmerged ${maxDiff(merged, adapted)}`);
        again.dispose();
        removeLora(m);
        m.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

test('bad LoRA input is refused with the field named, nothing leaked', () => {
  const m = load('gpt2');
  const before = memory().numTensors;
  assert.throws(() => applyLora(m, { rank: 0 }), /rank must be a positive integer, got 0/);
  assert.throws(() => applyLora(m, { targets: ['q_proj'] }), /target "q_proj" names no layer of the GPT/);
  assert.throws(() => mergeLora(m), /has no LoRA adapters/);
  assert.equal(memory().numTensors, before);
  applyLora(m, { rank: 2 });
  assert.throws(() => applyLora(m, { rank: 2 }), LoraError);
  const dir = mkdtempSync(join(tmpdir(), 'attn-lora-'));
  try {
    saveLoraAdapters(m, dir);
    const llama = load('llama');
    assert.throws(() => loadLoraAdapters(llama, dir), /target "c_attn" names no layer of the LlamaForCausalLM/);
    llama.dispose();
    const small = load('gpt2');
    applyLora(small, { rank: 1 });
    assert.throws(() => loadLoraAdapters(small, dir), /lora_A\.weight" has shape \[2, 24\], the model's .* is \[1, 24\]/);
    small.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  m.dispose();
});

test('an adapter folder written as PEFT writes it loads and computes what PEFT computes (tools/make-peft-fixtures.py)', async () => {
  const { expected, assertClose } = await import('../models/hf/helpers.js');
  forEachBackend(() => {
    for (const name of ['gpt2', 'llama']) {
      const want = expected(`${name}-peft`);
      const m = load(name);
      const x0 = fromArray(Int32Array.from(want.ids!.data), want.ids!.shape, { dtype: 'int32' });
      const base = tidy(() => noGrad(() => m.forward(x0).data() as Float32Array));
      x0.dispose();
      assert.ok(maxDiff(base, want.logits!.data as Float32Array) > 0.1, 'the adapters change the logits');
      const lora = loadLoraAdapters(m, fixtureDir(`peft-${name}`));
      assert.deepEqual(lora.targets, name === 'gpt2' ? ['c_attn', 'c_fc'] : ['q_proj', 'v_proj', 'down_proj']);
      assert.equal(lora.layers.length, name === 'gpt2' ? 4 : 6);
      m.eval();
      const x = fromArray(Int32Array.from(want.ids!.data), want.ids!.shape, { dtype: 'int32' });
      const out = tidy(() => noGrad(() => m.forward(x).data() as Float32Array));
      assertClose(out, want.logits!, 1e-4, `${name} + PEFT adapter logits`);
      mergeLora(m);
      assertClose(tidy(() => noGrad(() => m.forward(x).data() as Float32Array)), want.logits!, 1e-4, `${name} merged`);
      x.dispose();
      m.dispose();
    }
  });
});
