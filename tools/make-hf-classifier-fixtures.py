#!/usr/bin/env python3
"""Reference outputs of Hugging Face's *ForSequenceClassification heads on the tiny model folders
of tools/make-hf-fixtures.py (run that one first), for test/models/hf/sequence-classification.test.ts:

    /usr/bin/python3 tools/make-hf-classifier-fixtures.py

The bodies are that script's reference modules (written from transformers' modeling code), loaded
from the committed folders; the heads follow modeling_gpt2.py GPT2ForSequenceClassification,
modeling_llama.py LlamaForSequenceClassification and modeling_bert.py BertForSequenceClassification
(eval mode: dropout off). Written to test/fixtures/hf/expected/<name>-classifier.safetensors:
    ids (B, T) right-padded with pad_token_id 0 · head.<HF name> the random head weights
    logits (B, classes) · loss () cross-entropy against `labels` (B) · grad.<HF name> of a few parameters
"""
import importlib.util
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('hf_fixtures', os.path.join(HERE, 'make-hf-fixtures.py'))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
ROOT = ref.ROOT
DTYPES = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64}
NUM_CLASSES = 3
# Right-padded with 0 (pad_token_id 0); no real token is 0.
IDS = torch.tensor([[5, 17, 3, 42, 8, 60, 0, 0], [9, 1, 22, 7, 13, 40, 21, 3], [33, 2, 0, 0, 0, 0, 0, 0]])
LABELS = torch.tensor([2, 0, 1])


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        a, b = e['data_offsets']
        t = torch.frombuffer(bytearray(data[8 + n + a:8 + n + b]), dtype=DTYPES[e['dtype']]).reshape(e['shape'])
        out[name] = t.float() if t.is_floating_point() else t
    return out


def read_folder(name):
    folder = os.path.join(ROOT, name)
    weights = {}
    for f in sorted(os.listdir(folder)):
        if f.endswith('.safetensors'):
            weights.update(read_safetensors(os.path.join(folder, f)))
    with open(os.path.join(folder, 'config.json')) as f:
        return json.load(f), weights


def last_non_pad_logits(logits, input_ids, pad_token_id):
    # GPT2ForSequenceClassification.forward / LlamaForSequenceClassification.forward
    batch_size = input_ids.shape[0]
    non_pad_mask = (input_ids != pad_token_id).to(torch.int32)
    token_indices = torch.arange(input_ids.shape[-1], dtype=torch.int32)
    last_non_pad_token = (token_indices * non_pad_mask).argmax(-1)
    return logits[torch.arange(batch_size), last_non_pad_token]


class GPT2ForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = ref.GPT2Model(c)
        self.score = nn.Linear(c['n_embd'], NUM_CLASSES, bias=False)

    def forward(self, input_ids, attention_mask):
        hidden_states, _ = self.transformer(input_ids, attention_mask=attention_mask)
        return last_non_pad_logits(self.score(hidden_states), input_ids, 0)


class LlamaForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.model = ref.LlamaModel(c, False)
        self.score = nn.Linear(c['hidden_size'], NUM_CLASSES, bias=False)

    def forward(self, input_ids, attention_mask):
        hidden_states, _ = self.model(input_ids, attention_mask=attention_mask)
        return last_non_pad_logits(self.score(hidden_states), input_ids, 0)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bert = ref.BertModel(c)
        self.dropout = nn.Dropout(c.get('classifier_dropout') or c['hidden_dropout_prob'])
        self.classifier = nn.Linear(c['hidden_size'], NUM_CLASSES)

    def forward(self, input_ids, attention_mask):
        _, pooled_output = self.bert(input_ids, attention_mask, torch.zeros_like(input_ids))
        return self.classifier(self.dropout(pooled_output))


def case(name, model, body_state, head, grads):
    torch.manual_seed(11)
    with torch.no_grad():
        for p in head.parameters():
            p.copy_(0.5 * torch.randn_like(p))
    missing, unexpected = model.load_state_dict(body_state, strict=False)
    missing = [k for k in missing if not k.startswith(('score.', 'classifier.')) and not k.endswith(('.attn.bias', '.attn.masked_bias'))]  # head, mask buffers
    assert not missing, missing
    model.eval()
    mask = (IDS != 0).long()
    logits = model(IDS, mask)
    loss = F.cross_entropy(logits, LABELS)
    model.zero_grad()
    loss.backward()
    params = dict(model.named_parameters())
    expected = {'ids': IDS.int(), 'labels': LABELS.int(), 'logits': logits.detach(), 'loss': loss.detach()}
    for k, v in head.named_parameters():
        prefix = 'score' if isinstance(model, (GPT2ForSequenceClassification, LlamaForSequenceClassification)) else 'classifier'
        expected[f'head.{prefix}.{k}'] = v.detach().clone()
    for g in grads:
        expected[f'grad.{g}'] = params[g].grad.detach().clone()
    ref.write_safetensors(os.path.join(ROOT, 'expected', f'{name}-classifier.safetensors'), expected)


def main():
    torch.set_num_threads(1)
    config, w = read_folder('gpt2')
    model = GPT2ForSequenceClassification(config)
    case('gpt2', model, {f'transformer.{k}': v for k, v in w.items() if not k.endswith('.attn.bias')}, model.score,
         ['score.weight', 'transformer.h.1.mlp.c_fc.weight', 'transformer.wte.weight'])
    config, w = read_folder('llama')
    model = LlamaForSequenceClassification(config)
    case('llama', model, {k: v for k, v in w.items() if k.startswith('model.')}, model.score,
         ['score.weight', 'model.layers.0.self_attn.q_proj.weight', 'model.norm.weight'])
    config, w = read_folder('bert')
    model = BertForSequenceClassification(config)
    body = {k.replace('LayerNorm.gamma', 'LayerNorm.weight').replace('LayerNorm.beta', 'LayerNorm.bias'): v for k, v in w.items() if k.startswith('bert.') and 'position_ids' not in k}
    case('bert', model, body, model.classifier, ['classifier.weight', 'classifier.bias', 'bert.pooler.dense.weight', 'bert.encoder.layer.0.attention.self.query.weight'])
    print('wrote', os.path.join(ROOT, 'expected'))


if __name__ == '__main__':
    main()
