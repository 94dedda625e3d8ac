#!/usr/bin/env python3
"""Tiny *ForSequenceClassification folders in the Hugging Face layout, with a tokenizer.json and
the PyTorch logits of a few texts, for `attn predict` / `attn eval` / the exports on such folders
(test/cli/predict-hf.test.ts, test/export/classifier-heads.test.ts):

    /usr/bin/python3 tools/make-hf-classifier-folders.py

Run tools/make-hf-fixtures.py first: the bodies are its committed folders (gpt2, llama, bert,
distilbert) read back, run by its reference modules (written from transformers' modeling code);
the heads follow modeling_gpt2.py GPT2ForSequenceClassification (score on the last non-padding
token), modeling_llama.py LlamaForSequenceClassification (the same; no pad_token_id here, so the
last token, batch size 1 as transformers requires), modeling_bert.py BertForSequenceClassification
(classifier on the pooler) and modeling_distilbert.py DistilBertForSequenceClassification
(pre_classifier → ReLU → classifier on hidden[:, 0]); eval mode, dropout off.

Each folder test/fixtures/hf/<arch>-classifier/ holds config.json (architectures, id2label,
label2id, pad_token_id), model.safetensors (save_pretrained's names: body prefix + head) and a
WordLevel tokenizer.json over the 64-id vocabulary (whitespace words; BERT-style [CLS] … [SEP]
for bert and distilbert). test/fixtures/hf/expected/<arch>-classifier-texts.json holds the texts,
their ids (encoded here as WordLevel does) and the logits of each text run alone.
"""
import importlib.util
import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = load('hf_fixtures', 'make-hf-fixtures.py')
clf = load('hf_classifier_fixtures', 'make-hf-classifier-fixtures.py')
ROOT = ref.ROOT
LABELS = ['negative', 'neutral', 'positive']
clf.NUM_CLASSES = len(LABELS)  # the head classes of that script read it
WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'in', 'park', 'a', 'sun', 'is', 'hot', 'rain', 'cold', 'wet', 'and', 'big', 'red', 'blue']
TEXTS = ['the cat sat on the mat', 'rain is cold and wet', 'a big red sun', 'dog', 'the blue dog ran in the park and the cat sat']


def vocabulary(specials, last=None):
    """specials first, then WORDS, then filler words w<i> up to the models' 64 ids (the last one `last` if given)."""
    vocab = {t: i for i, t in enumerate(specials)}
    for w in WORDS:
        vocab[w] = len(vocab)
    while len(vocab) < (63 if last else 64):
        vocab[f'w{len(vocab)}'] = len(vocab)
    if last:
        vocab[last] = 63
    return vocab


def tokenizer_json(vocab, specials, unk, bert):
    added = [{'id': vocab[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True} for t in specials]
    post = None
    if bert:
        post = {'type': 'BertProcessing', 'sep': ['[SEP]', vocab['[SEP]']], 'cls': ['[CLS]', vocab['[CLS]']]}
    return {
        'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added,
        'normalizer': None, 'pre_tokenizer': {'type': 'Whitespace'}, 'post_processor': post, 'decoder': None,
        'model': {'type': 'WordLevel', 'vocab': vocab, 'unk_token': unk},
    }


def encode(text, vocab, unk, bert):
    ids = [vocab.get(w, vocab[unk]) for w in text.split()]
    return [vocab['[CLS]']] + ids + [vocab['[SEP]']] if bert else ids


class DistilBertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.distilbert = ref.DistilBertModel(c)
        self.pre_classifier = nn.Linear(c['dim'], c['dim'])
        self.classifier = nn.Linear(c['dim'], len(LABELS))
        self.dropout = nn.Dropout(c['seq_classif_dropout'])

    def forward(self, input_ids, attention_mask):  # DistilBertForSequenceClassification.forward
        hidden_state = self.distilbert(input_ids, attention_mask)[-1]  # (bs, seq_len, dim)
        pooled_output = hidden_state[:, 0]  # (bs, dim)
        pooled_output = self.pre_classifier(pooled_output)
        pooled_output = nn.ReLU()(pooled_output)
        pooled_output = self.dropout(pooled_output)
        return self.classifier(pooled_output)


def build(name, model, body_state, config, specials, unk, pad, bert, seed, last=None):
    torch.manual_seed(seed)
    body_prefixes = ('transformer.', 'model.', 'bert.', 'distilbert.')
    with torch.no_grad():
        for k, p in model.named_parameters():
            if not k.startswith(body_prefixes):
                p.copy_(0.5 * torch.randn_like(p))  # the head: large enough that the classes differ
    missing, unexpected = model.load_state_dict(body_state, strict=False)
    missing = [k for k in missing if not k.startswith(('score.', 'classifier.', 'pre_classifier.')) and not k.endswith(('.attn.bias', '.attn.masked_bias'))]
    assert not missing and not unexpected, (missing, unexpected)
    model.eval()
    vocab = vocabulary(specials, last)
    cls = {'gpt2': 'GPT2ForSequenceClassification', 'llama': 'LlamaForSequenceClassification', 'bert': 'BertForSequenceClassification', 'distilbert': 'DistilBertForSequenceClassification'}[name]
    config = {**config, 'architectures': [cls], 'id2label': {str(i): l for i, l in enumerate(LABELS)}, 'label2id': {l: i for i, l in enumerate(LABELS)}}
    config['pad_token_id'] = pad
    if name == 'llama':
        config.pop('pad_token_id')  # none: transformers reads the last token, one text at a time
    folder = os.path.join(ROOT, f'{name}-classifier')
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    ref.write_json(os.path.join(folder, 'config.json'), config)
    ref.write_json(os.path.join(folder, 'tokenizer.json'), tokenizer_json(vocab, specials + ([last] if last else []), unk, bert))
    state = {k: v for k, v in model.state_dict().items() if not k.endswith(('.attn.bias', '.attn.masked_bias'))}
    ref.write_safetensors(os.path.join(folder, 'model.safetensors'), {k: v.float().contiguous() for k, v in state.items()}, {'format': 'pt'})
    cases = []
    with torch.no_grad():
        for text in TEXTS:
            ids = torch.tensor([encode(text, vocab, unk, bert)])
            logits = model(ids, torch.ones_like(ids))
            cases.append({'text': text, 'ids': ids[0].tolist(), 'logits': [float(x) for x in logits[0]]})
    ref.write_json(os.path.join(ROOT, 'expected', f'{name}-classifier-texts.json'), {'labels': LABELS, 'cases': cases})


class GPT2Head(clf.GPT2ForSequenceClassification):
    def forward(self, input_ids, attention_mask):  # one unpadded text: the last token
        hidden_states, _ = self.transformer(input_ids, attention_mask=attention_mask)
        return self.score(hidden_states)[:, -1]


class LlamaHead(clf.LlamaForSequenceClassification):
    def forward(self, input_ids, attention_mask):  # pad_token_id None: last_non_pad_token = -1
        hidden_states, _ = self.model(input_ids, attention_mask=attention_mask)
        return self.score(hidden_states)[:, -1]


def main():
    torch.set_num_threads(1)
    config, w = clf.read_folder('gpt2')
    # GPT-2 has no pad token: users set pad_token_id to eos (<|endoftext|>, the last id here).
    build('gpt2', GPT2Head(config), {f'transformer.{k}': v for k, v in w.items() if not k.endswith('.attn.bias')}, config,
          ['[UNK]'], '[UNK]', 63, False, 21, last='<|endoftext|>')
    config, w = clf.read_folder('llama')
    build('llama', LlamaHead(config), {k: v for k, v in w.items() if k.startswith('model.')}, config, ['<unk>', '<s>', '</s>'], '<unk>', None, False, 22)
    config, w = clf.read_folder('bert')
    body = {k.replace('LayerNorm.gamma', 'LayerNorm.weight').replace('LayerNorm.beta', 'LayerNorm.bias'): v for k, v in w.items() if k.startswith('bert.') and 'position_ids' not in k}
    build('bert', clf.BertForSequenceClassification(config), body, config, ['[PAD]', '[UNK]', '[CLS]', '[SEP]'], '[UNK]', 0, True, 23)
    config, w = clf.read_folder('distilbert')
    body = {k: v for k, v in w.items() if k.startswith('distilbert.') and 'position_ids' not in k}
    build('distilbert', DistilBertForSequenceClassification(config), body, config, ['[PAD]', '[UNK]', '[CLS]', '[SEP]'], '[UNK]', 0, True, 24)
    print('wrote', ROOT)


if __name__ == '__main__':
    main()
