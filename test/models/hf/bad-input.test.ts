// loadPretrained refuses bad folders with one line naming the folder or file (and the tensor, both
// shapes, the field) before any model is built: no tensor is left allocated by a refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrained, memory, SUPPORTED_MODEL_TYPES } from '../../../src/index.js';
import { loadSafetensorsFile, saveSafetensorsFile } from '../../../src/io/safetensors-file.js';
import { fixtureDir } from './helpers.js';

/** A copy of a fixture folder to break; removed after `fn`. */
function withCopy(name: string, fn: (dir: string) => void): void {
  const dir = join(mkdtempSync(join(tmpdir(), 'attn-hf-')), name);
  cpSync(fixtureDir(name), dir, { recursive: true });
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts loadPretrained(dir) throws one line matching every pattern, leaving no tensor behind. */
function refuses(dir: string, ...patterns: RegExp[]): string {
  const before = memory().numTensors;
  let message = '';
  assert.throws(() => loadPretrained(dir), (err: Error) => {
    message = err.message;
    return true;
  });
  assert.ok(!message.includes('\n'), `one line: ${message}`);
  for (const p of patterns) assert.match(message, p);
  assert.equal(memory().numTensors, before, 'nothing allocated by a refused folder');
  return message;
}

const editJson = (path: string, edit: (v: Record<string, unknown>) => void): void => {
  const v = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(v);
  writeFileSync(path, JSON.stringify(v));
};

/** Rewrites one safetensors file with `edit` applied to its raw tensors. */
function editWeights(path: string, edit: (t: Record<string, { dtype: 'float32' | 'int32'; shape: number[]; data: Float32Array | Int32Array }>) => void): void {
  const { tensors } = loadSafetensorsFile(path);
  edit(tensors);
  saveSafetensorsFile(path, tensors);
}

test('a missing folder, a folder without config.json, an unreadable config.json', () => {
  refuses('/no/such/folder', /^\/no\/such\/folder: no such folder$/);
  withCopy('gpt2', (dir) => {
    unlinkSync(join(dir, 'config.json'));
    refuses(dir, /gpt2: no config\.json: not a Hugging Face model folder$/);
    writeFileSync(join(dir, 'config.json'), '{"model_type": "gpt2",');
    refuses(dir, /config\.json: cannot read: .*JSON/);
  });
});

test('an unsupported model_type lists the supported ones', () => {
  assert.deepEqual([...SUPPORTED_MODEL_TYPES], ['gpt2', 'llama', 'qwen2', 'bert', 'distilbert']);
  withCopy('gpt2', (dir) => {
    editJson(join(dir, 'config.json'), (c) => (c.model_type = 't5'));
    refuses(dir, /config\.json: model_type "t5" is not supported \(attn loads gpt2, llama, qwen2, bert, distilbert\)$/);
    editJson(join(dir, 'config.json'), (c) => delete c.model_type);
    refuses(dir, /model_type undefined is not supported/);
  });
});

test('config fields attn does not implement are named with the file', () => {
  withCopy('gpt2', (dir) => {
    editJson(join(dir, 'config.json'), (c) => (c.n_head = 2.5));
    refuses(dir, /config\.json: field 'n_head' must be a positive integer, got 2\.5$/);
    editJson(join(dir, 'config.json'), (c) => ((c.n_head = 3), (c.activation_function = 'swish')));
    refuses(dir, /field 'activation_function' must be one of "gelu_new", "gelu_pytorch_tanh", "gelu"/);
  });
  withCopy('llama', (dir) => {
    editJson(join(dir, 'config.json'), (c) => (c.rope_scaling = { rope_type: 'yarn', factor: 4 }));
    refuses(dir, /config\.json: field 'rope_scaling' type "yarn" is not supported \(attn implements "default", "linear", "llama3"\)$/);
  });
});

test('a weight missing: the tensor, the parameter and the files are named', () => {
  withCopy('gpt2', (dir) => {
    editWeights(join(dir, 'model.safetensors'), (t) => delete t['h.1.mlp.c_fc.weight']);
    refuses(dir, /weight "h\.1\.mlp\.c_fc\.weight" \(for transformer\.h\.1\.mlp\.c_fc\.weight \[24, 96\]\) is missing from .*model\.safetensors$/);
  });
});

test('a weight of the wrong shape: the tensor, both shapes and the file are named', () => {
  withCopy('llama', (dir) => {
    const shard = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')).weight_map['model.layers.0.self_attn.k_proj.weight'];
    editWeights(join(dir, shard), (t) => {
      t['model.layers.0.self_attn.k_proj.weight'] = { dtype: 'float32', shape: [32, 32], data: new Float32Array(32 * 32) }; // 4 kv heads instead of 2
    });
    refuses(dir, new RegExp(`${shard}: weight "model\\.layers\\.0\\.self_attn\\.k_proj\\.weight" has shape \\[32, 32\\], expected \\[16, 32\\] for .*config\\.json$`));
  });
  withCopy('gpt2', (dir) => {
    // Conv1D is [in, out]: a weight stored the nn.Linear way round is refused, not silently transposed.
    editWeights(join(dir, 'model.safetensors'), (t) => {
      const w = t['h.0.attn.c_attn.weight']!;
      t['h.0.attn.c_attn.weight'] = { ...w, shape: [72, 24] };
    });
    refuses(dir, /weight "h\.0\.attn\.c_attn\.weight" has shape \[72, 24\], expected \[24, 72\]/);
  });
});

test('an index naming a missing shard, a truncated shard, no weights at all', () => {
  withCopy('llama', (dir) => {
    unlinkSync(join(dir, 'model-00002-of-00002.safetensors'));
    refuses(dir, /model\.safetensors\.index\.json: names shard "model-00002-of-00002\.safetensors", which is not in the folder$/);
  });
  withCopy('llama', (dir) => {
    const shard = join(dir, 'model-00001-of-00002.safetensors');
    truncateSync(shard, statSync(shard).size - 10);
    refuses(dir, /model-00001-of-00002\.safetensors: tensor ".*": data_offsets \[\d+, \d+\] extend past the end of the data buffer .* the file is truncated/);
  });
  withCopy('llama', (dir) => {
    // The index puts a tensor in the other shard.
    editJson(join(dir, 'model.safetensors.index.json'), (v) => {
      const map = v.weight_map as Record<string, string>;
      map['model.norm.weight'] = map['model.norm.weight'] === 'model-00001-of-00002.safetensors' ? 'model-00002-of-00002.safetensors' : 'model-00001-of-00002.safetensors';
    });
    refuses(dir, /index\.json: maps tensor "model\.norm\.weight" to model-0000\d-of-00002\.safetensors, but it is in .*model-0000\d-of-00002\.safetensors$/);
  });
  withCopy('gpt2', (dir) => {
    unlinkSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'pytorch_model.bin'), 'not read');
    refuses(dir, /no weights: expected model\.safetensors or model\.safetensors\.index\.json \(pytorch_model\.bin is a pickle/);
  });
});

test('a model too large for the arena is refused from its config, with its size', () => {
  withCopy('llama', (dir) => {
    editJson(join(dir, 'config.json'), (c) => Object.assign(c, { hidden_size: 8192, intermediate_size: 28672, num_hidden_layers: 80, num_attention_heads: 64, num_key_value_heads: 8, vocab_size: 128256 }));
    refuses(dir, /config\.json: the model needs \d+\.\d\d GiB \(70,553,706,496 parameters as float32 weights: 26\d\.\d\d GiB; KV cache and activations for 1×64 tokens: 0\.\d\d GiB\), more than the \d+\.\d\d GiB free in the arena \(wasm32 memory is at most 4 GiB\); even half-precision weights need 13\d\.\d\d GiB; fine-tuning: LoRA adapters over frozen half-precision weights need about 1\d\d\.\d\d GiB$/);
  });
});

test('an lm_head that is not the tied embedding is refused for GPT-2', () => {
  withCopy('gpt2-finetune', (dir) => {
    editWeights(join(dir, 'model.safetensors'), (t) => {
      const head = t['lm_head.weight']!;
      const data = Float32Array.from(head.data);
      data[5] = 12;
      t['lm_head.weight'] = { ...head, data };
    });
    const before = memory().numTensors;
    assert.throws(() => loadPretrained(dir), /weight "lm_head\.weight" differs from "transformer\.wte\.weight" \(at flat index 5\); attn's gpt2 ties them/);
    assert.equal(memory().numTensors, before, 'the model built is disposed');
  });
});
