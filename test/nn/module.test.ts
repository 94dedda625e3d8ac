import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { manualSeed, memory, randn, tensor, tidy, zeros } from '../../src/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';
import { AdamW } from '../../src/optim/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/tensors.js';
import { assertSameBits, tempDir } from './helpers.js';

class Mlp extends nn.Module {
  fc1 = this.registerModule('fc1', new nn.Linear(4, 8));
  act = this.registerModule('act', new nn.ReLU());
  fc2 = this.registerModule('fc2', new nn.Linear(8, 2, { bias: false }));
  override forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x))); // (B, 2)
  }
}

test('parameters are registered with dotted PyTorch keys, in registration order', () => {
  const m = new Mlp();
  assert.deepEqual(m.namedParameters().map(([k, p]) => [k, [...p.shape]]), [['fc1.weight', [8, 4]], ['fc1.bias', [8]], ['fc2.weight', [2, 8]]]);
  assert.deepEqual(Object.keys(m.stateDict()), ['fc1.weight', 'fc1.bias', 'fc2.weight']);
  assert.deepEqual(m.namedModules().map(([k]) => k), ['', 'fc1', 'act', 'fc2']);
  assert.deepEqual(m.namedChildren().map(([k]) => k), ['fc1', 'act', 'fc2']);
  assert.equal(m.numParameters(), 8 * 4 + 8 + 16);
  for (const p of m.parameters()) assert.ok(p.requiresGrad && p.isLeaf);
  m.dispose();
});

test('PyTorch keys and parameter counts of the library layers', () => {
  const mha = new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 5 });
  assert.deepEqual(Object.keys(mha.stateDict()), ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
  assert.equal(mha.numParameters(), 248);
  const dec = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
  assert.deepEqual(Object.keys(dec.stateDict()), [
    'self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias',
    'multihead_attn.in_proj_weight', 'multihead_attn.in_proj_bias', 'multihead_attn.out_proj.weight', 'multihead_attn.out_proj.bias',
    'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias', 'norm3.weight', 'norm3.bias',
  ]);
  assert.equal(dec.numParameters(), 904);
  const enc = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
  assert.equal(enc.numParameters(), 600);
  const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
  assert.equal(lstm.numParameters(), 736);
  const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.GELU(), new nn.Linear(3, 1));
  assert.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
  for (const m of [mha, dec, enc, lstm, seq]) m.dispose();
});

test('a shared parameter is listed once; registering a name twice throws', () => {
  const m = new nn.Module();
  const lin = new nn.Linear(2, 2);
  m.registerModule('a', lin);
  m.registerModule('b', lin);
  assert.equal(m.parameters().length, 2);
  assert.deepEqual(Object.keys(m.stateDict()), ['a.weight', 'a.bias', 'b.weight', 'b.bias']);
  assert.throws(() => m.registerModule('a', new nn.ReLU()), /"a" is already registered/);
  assert.throws(() => m.registerParameter('x.y', zeros([1])), /contain no '\.'/);
  m.dispose();
});

/** Every layer, built with the current seed. */
function everyModule(): Record<string, () => nn.Module> {
  return {
    Linear: () => new nn.Linear(5, 3),
    Embedding: () => new nn.Embedding(7, 4, { paddingIdx: 1 }),
    LayerNorm: () => new nn.LayerNorm(6),
    Sequential: () => new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(4, 2)),
    MultiheadAttention: () => new nn.MultiheadAttention(8, 2),
    'MultiheadAttention(kdim, vdim)': () => new nn.MultiheadAttention(8, 2, { kdim: 3, vdim: 5, bias: false }),
    TransformerEncoderLayer: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12 }),
    TransformerEncoder: () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12, normFirst: true }), 2, { norm: new nn.LayerNorm(8) }),
    TransformerDecoder: () => new nn.TransformerDecoder(() => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 12 }), 2),
    LSTM: () => new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }),
    AttentionPooling: () => {
      const p = new nn.AttentionPooling(6);
      nn.init.normal_(p.query);
      return p;
    },
    PositionalEmbedding: () => new nn.PositionalEmbedding(16, 4),
    SinusoidalPositionalEncoding: () => new nn.SinusoidalPositionalEncoding(4, { maxLen: 16, persistent: true }),
  };
}

test('save → load round trip through safetensors is exact for every module', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [name, make] of Object.entries(everyModule())) {
      manualSeed(1);
      const a = make();
      manualSeed(2);
      const b = make();
      const path = join(dir, `${name}.safetensors`);
      saveSafetensors(path, a.stateDict(), { format: 'pt' });
      tidy(() => {
        const { tensors, metadata } = loadSafetensors(path);
        assert.equal(metadata.format, 'pt');
        const result = b.loadStateDict(tensors);
        assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
      });
      const sa = a.stateDict();
      const sb = b.stateDict();
      assert.deepEqual(Object.keys(sb), Object.keys(sa), name);
      assert.ok(Object.keys(sa).length > 0, name);
      for (const k of Object.keys(sa)) assertSameBits(sb[k]!, sa[k]!, `${name} ${k}`);
      a.dispose();
      b.dispose();
    }
  } finally {
    cleanup();
  }
});

test('loadStateDict writes in place: optimizers holding the parameters see the loaded values', () => {
  manualSeed(3);
  const a = new Mlp();
  const b = new Mlp();
  const before = b.parameters();
  const opt = new AdamW(b.parameters());
  b.loadStateDict(a.stateDict());
  assert.deepEqual(b.parameters(), before, 'same tensor objects');
  opt.paramGroups[0]!.params.forEach((p, i) => assertSameBits(p, a.parameters()[i]!, `param ${i}`));
  // A dict of raw arrays (as read by io/safetensors) loads too.
  const raw = Object.fromEntries(Object.entries(a.stateDict()).map(([k, t]) => [k, { shape: t.shape, data: t.data() }]));
  b.loadStateDict(raw);
  a.dispose();
  b.dispose();
});

test('strict loading lists every missing key, unexpected key and shape mismatch in one error, and writes nothing', () => {
  const m = new Mlp();
  const before = m.fc1.weight.data();
  tidy(() => {
    const dict: Record<string, Tensor> = {
      'fc1.weight': zeros([8, 4]),
      'fc1.bias': zeros([9]),
      'fc3.weight': zeros([1]),
      extra: zeros([2]),
    };
    assert.throws(
      () => m.loadStateDict(dict),
      (err: Error) => {
        assert.equal(err.name, 'StateDictError');
        assert.match(err.message, /Error\(s\) in loading state_dict for Mlp/);
        assert.match(err.message, /Missing key\(s\) in state_dict: "fc2\.weight"/);
        assert.match(err.message, /Unexpected key\(s\) in state_dict: "fc3\.weight", "extra"/);
        assert.match(err.message, /size mismatch for fc1\.bias: copying a tensor of shape \[9\]/);
        return true;
      },
    );
    assert.deepEqual(m.fc1.weight.data(), before, 'nothing was written');
    // Not strict: missing and unexpected keys are reported, shape mismatches still throw.
    assert.throws(() => m.loadStateDict(dict, { strict: false }), /size mismatch for fc1\.bias/);
    const result = m.loadStateDict({ 'fc1.weight': zeros([8, 4]), extra: zeros([1]) }, { strict: false });
    assert.deepEqual(result, { missingKeys: ['fc1.bias', 'fc2.weight'], unexpectedKeys: ['extra'] });
    assert.ok((m.fc1.weight.data() as Float32Array).every((v) => v === 0));
  });
  m.dispose();
});

test('train() / eval() reach every submodule; dropout is off in eval', () => {
  manualSeed(4);
  const m = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.5, batchFirst: true });
  assert.ok(m.modules().every((x) => x.training));
  assert.equal(m.eval(), m);
  assert.ok(m.modules().every((x) => !x.training));
  tidy(() => {
    const x = randn([2, 3, 8]);
    assertSameBits(m.forward(x), m.forward(x), 'eval is deterministic');
    const drop = new nn.Dropout(0.5).eval();
    assertSameBits(drop.forward(x), x, 'Dropout in eval is the identity');
    m.train();
    const y1 = m.forward(x).data();
    const y2 = m.forward(x).data();
    assert.notDeepEqual(y1, y2, 'training mode draws new dropout masks');
    const d = new nn.Dropout(0.5).forward(tensor([[1, 1, 1, 1, 1, 1, 1, 1]])).data();
    assert.ok(d.every((v) => v === 0 || v === 2), 'kept elements are scaled by 1/(1−p)');
  });
  m.dispose();
});

test('apply visits children first, then the module; zeroGrad drops gradients', () => {
  const m = new Mlp();
  const seen: string[] = [];
  m.apply((x) => seen.push(x.constructor.name));
  assert.deepEqual(seen, ['Linear', 'ReLU', 'Linear', 'Mlp']);
  tidy(() => m.forward(randn([3, 4])).sum().backward());
  assert.ok(m.parameters().every((p) => p.grad !== null));
  m.zeroGrad();
  assert.ok(m.parameters().every((p) => p.grad === null));
  m.dispose();
});

test('a model built inside tidy survives it; dispose frees everything', () => {
  const base = memory();
  const m = tidy(() => {
    const model = new nn.TransformerEncoder(() => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 2);
    model.forward(randn([1, 3, 8]));
    return model;
  });
  assert.ok(m.parameters().every((p) => !p.isDisposed));
  tidy(() => m.forward(randn([2, 3, 8])).sum().backward());
  m.dispose();
  assert.equal(memory().numTensors, base.numTensors);
  assert.equal(memory().numBytes, base.numBytes);
});

test('TransformerEncoder(layer, n) stacks independent deep copies that start equal', () => {
  manualSeed(5);
  const template = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
  const enc = new nn.TransformerEncoder(template, 3);
  const s = enc.stateDict();
  assertSameBits(s['layers.0.linear1.weight']!, template.linear1.weight, 'copy 0');
  assertSameBits(s['layers.2.linear1.weight']!, template.linear1.weight, 'copy 2');
  assert.notEqual(enc.layers.at(0).linear1.weight, enc.layers.at(1).linear1.weight);
  assert.notEqual(enc.layers.at(0).linear1.weight, template.linear1.weight);
  nn.init.zeros_(enc.layers.at(1).linear1.weight);
  assert.notDeepEqual(enc.layers.at(0).linear1.weight.data(), enc.layers.at(1).linear1.weight.data());
  assert.equal(enc.parameters().length, 3 * template.parameters().length);
  template.dispose();
  enc.dispose();
});

test('Sequential and ModuleList', () => {
  manualSeed(6);
  const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  tidy(() => {
    const x = randn([5, 3]);
    const manual = (seq.at(2) as nn.Linear).forward((seq.at(0) as nn.Linear).forward(x).relu());
    assertSameBits(seq.forward(x), manual, 'Sequential.forward');
  });
  assert.equal(seq.length, 3);
  const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
  assert.deepEqual(Object.keys(list.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias']);
  assert.equal([...list].length, 2);
  assert.throws(() => list.at(5), /out of range/);
  assert.throws(() => list.forward(), /forward is not implemented/);
  seq.dispose();
  list.dispose();
});

test('stateDict returns the live tensors (no allocation)', () => {
  const m = new nn.Linear(2, 2);
  const before = memory().numTensors;
  const s = m.stateDict();
  assert.equal(memory().numTensors, before);
  assert.equal(s.weight, m.weight);
  m.dispose();
});

test('deleteModule takes a submodule out of the walk and the state dict, and frees its name', () => {
  const seq = new nn.Module();
  const fc = seq.registerModule('fc', new nn.Linear(2, 3));
  seq.registerModule('head', new nn.Linear(3, 1));
  assert.equal(seq.deleteModule('fc'), fc);
  assert.deepEqual(Object.keys(seq.stateDict()), ['head.weight', 'head.bias']);
  assert.equal(seq.deleteModule('fc'), null);
  seq.registerModule('fc', fc); // the name is free again
  assert.deepEqual(seq.namedChildren().map(([n]) => n), ['head', 'fc']);
  seq.dispose();
});
