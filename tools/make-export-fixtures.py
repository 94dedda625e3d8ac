#!/usr/bin/env python3
"""The Hugging Face export (`attn export --format hf`) read by the PyTorch reference of
tools/make-hf-fixtures.py (written from transformers' modeling code: GPT2LMHeadModel,
LlamaForCausalLM, Qwen2), for test/export/hf-torch.test.ts:

    /usr/bin/python3 tools/make-export-fixtures.py

1. runs tools/make-export-fixtures.ts: tiny attn run folders in test/fixtures/export/<name>/ and
   their export in a temporary folder;
2. reads each exported config.json with Hugging Face's field names (n_embd, num_key_value_heads,
   rope_scaling, ...) and model.safetensors with strict names (every reference parameter present,
   nothing left over but the attention-mask buffers GPT-2 does not save);
3. writes test/fixtures/export/<name>.expected.safetensors: logits for PROMPTS and a left-padded
   batch, with the sha256 of the exported config.json and model.safetensors in the metadata, so
   the test knows the export it re-runs is the one PyTorch read.
"""
import hashlib
import importlib.util
import json
import os
import struct
import subprocess
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, '..')
ROOT = os.path.join(REPO, 'test', 'fixtures', 'export')
spec = importlib.util.spec_from_file_location('hf_ref', os.path.join(HERE, 'make-hf-fixtures.py'))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

DTYPES = {'F32': torch.float32}


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        a, b = e['data_offsets']
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=DTYPES[e['dtype']]).reshape(e['shape']).clone()
    return header.get('__metadata__', {}), out


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def build(config):
    """The reference model for a config.json, as AutoModelForCausalLM dispatches on model_type."""
    t = config['model_type']
    if t == 'gpt2':
        assert config['activation_function'] == 'gelu_new', 'the reference GPT2MLP implements gelu_new'
        assert config['tie_word_embeddings'] is True
        return ref.GPT2LMHeadModel(config)
    if t in ('llama', 'qwen2'):
        return ref.LlamaForCausalLM(config, qwen2=(t == 'qwen2'))
    raise ValueError(f'unexpected model_type {t}')


def main():
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(['node', '--import', 'tsx', os.path.join(HERE, 'make-export-fixtures.ts'), out], cwd=REPO, check=True)
        for name in sorted(os.listdir(out)):
            folder = os.path.join(out, name)
            with open(os.path.join(folder, 'config.json')) as f:
                config = json.load(f)
            metadata, weights = read_safetensors(os.path.join(folder, 'model.safetensors'))
            assert metadata.get('format') == 'pt', metadata
            model = build(config)
            missing, unexpected = model.load_state_dict(weights, strict=False)
            # GPT-2's attn.bias / attn.masked_bias are mask buffers save_pretrained leaves out.
            assert all(k.endswith(('attn.bias', 'attn.masked_bias')) for k in missing), missing
            assert not unexpected, unexpected
            model.eval()
            expected = {}
            with torch.no_grad():
                for i, prompt in enumerate(ref.PROMPTS):
                    ids = torch.tensor([prompt])
                    logits, _ = model(ids)
                    expected[f'prompt{i}.ids'] = ids.int()
                    expected[f'prompt{i}.logits'] = logits
                L = max(len(p) for p in ref.PROMPTS)
                ids = torch.tensor([[0] * (L - len(p)) + p for p in ref.PROMPTS])
                mask = torch.tensor([[0] * (L - len(p)) + [1] * len(p) for p in ref.PROMPTS])
                positions = mask.long().cumsum(-1) - 1
                positions.masked_fill_(mask == 0, 1)
                logits, _ = model(ids, None, mask, positions)
                expected.update({'batch.ids': ids.int(), 'batch.mask': mask.int(), 'batch.logits': logits})
            meta = {'config_sha256': sha256(os.path.join(folder, 'config.json')), 'model_sha256': sha256(os.path.join(folder, 'model.safetensors'))}
            ref.write_safetensors(os.path.join(ROOT, f'{name}.expected.safetensors'), expected, meta)
            print('checked', name, config['model_type'])


if __name__ == '__main__':
    main()
