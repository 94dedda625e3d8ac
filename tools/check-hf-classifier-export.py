#!/usr/bin/env python3
"""Checks `attn export --format hf` of the *ForSequenceClassification heads in PyTorch (transformers
is not installed here): each fixture folder of tools/make-hf-classifier-folders.py is exported by
the attn CLI, and the exported folder is read as transformers' from_pretrained would, by HF's names:
config.json (architectures, id2label, num_labels, pad_token_id) builds the reference module of that
class (tools/make-hf-classifier-folders.py, from transformers' modeling code), the exported
model.safetensors is loaded into it with strict names and shapes (only the GPT-2 mask buffers are
not in the file, as in every GPT-2 save), and its logits must equal the PyTorch fixtures' within 1e-4.

    /usr/bin/python3 tools/check-hf-classifier-export.py

Nothing is written to the repository.
"""
import importlib.util
import json
import os
import subprocess
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('hf_classifier_folders', os.path.join(HERE, 'make-hf-classifier-folders.py'))
folders = importlib.util.module_from_spec(spec)
spec.loader.exec_module(folders)
CLASSES = {
    'GPT2ForSequenceClassification': folders.GPT2Head,
    'LlamaForSequenceClassification': folders.LlamaHead,
    'BertForSequenceClassification': folders.clf.BertForSequenceClassification,
    'DistilBertForSequenceClassification': folders.DistilBertForSequenceClassification,
}


def main():
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as out:
        for arch in ['gpt2', 'llama', 'bert', 'distilbert']:
            dest = os.path.join(out, arch)
            subprocess.run(['node', '--import', 'tsx', 'src/cli/main.ts', 'export', '--model', os.path.join(folders.ROOT, f'{arch}-classifier'), '--format', 'hf', '--out', dest],
                           cwd=os.path.join(HERE, '..'), check=True, capture_output=True)
            with open(os.path.join(dest, 'config.json')) as f:
                config = json.load(f)
            assert len(config['id2label']) == config['num_labels'] == len(folders.LABELS), config
            model = CLASSES[config['architectures'][0]](config)
            weights = folders.clf.read_safetensors(os.path.join(dest, 'model.safetensors'))
            missing, unexpected = model.load_state_dict(weights, strict=False)
            assert not unexpected, unexpected
            assert all(k.endswith(('.attn.bias', '.attn.masked_bias')) for k in missing), missing
            model.eval()
            with open(os.path.join(folders.ROOT, 'expected', f'{arch}-classifier-texts.json')) as f:
                cases = json.load(f)['cases']
            worst = 0.0
            with torch.no_grad():
                for c in cases:
                    ids = torch.tensor([c['ids']])
                    got = model(ids, torch.ones_like(ids))[0]
                    worst = max(worst, float(((got - torch.tensor(c['logits'])).abs() / (1 + torch.tensor(c['logits']).abs())).max()))
            assert worst <= 1e-4, (arch, worst)
            print(f"{arch}: {config['architectures'][0]} loaded strictly from the export, logits within {worst:.2e} of the fixtures")


if __name__ == '__main__':
    main()
