#!/usr/bin/env python3
"""PEFT LoRA adapter folders for the tiny GPT-2 and Llama folders of tools/make-hf-fixtures.py,
with the adapted models' logits, for test/optim/lora-peft.test.ts (an adapter trained in PEFT
loads in attn and computes the same function):

    /usr/bin/python3 tools/make-peft-fixtures.py

`peft` is not installed here; the folders are written as `PeftModel.save_pretrained` writes them
(peft/utils/save_and_load.py get_peft_model_state_dict: keys `base_model.model.<module>.lora_A.weight`
without the adapter name; adapter_config.json from LoraConfig), and the forward is peft/tuners/lora/layer.py
`Linear.forward`: result = base_layer(x) + lora_B(lora_A(dropout(x))) * scaling, scaling = lora_alpha / r.
For GPT-2's Conv1D base layers PEFT sets fan_in_fan_out=True, which transposes only the base weight:
lora_A is still nn.Linear(in_features, r) and lora_B nn.Linear(r, out_features).
Written: test/fixtures/hf/peft-<name>/ (adapter_config.json, adapter_model.safetensors) and
test/fixtures/hf/expected/<name>-peft.safetensors (ids (1, T), logits (1, T, V)).
"""
import importlib.util
import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('hf_classifier_fixtures', os.path.join(HERE, 'make-hf-classifier-fixtures.py'))
cls = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cls)
ref = cls.ref
ROOT = ref.ROOT
IDS = torch.tensor([[5, 17, 3, 42, 8, 60, 11, 2, 33]])


def add_lora(model, prefix, targets, r, alpha, seed, fan_in_fan_out):
    """Wraps each targeted layer as peft's lora.Linear; returns the adapter state dict PEFT saves."""
    torch.manual_seed(seed)
    state = {}
    for name, module in model.named_modules():
        if not any(name == t or name.endswith('.' + t) for t in targets):
            continue
        if fan_in_fan_out:  # Conv1D: weight [in, out]
            in_features, out_features = module.weight.shape
        else:
            out_features, in_features = module.weight.shape
        # Trained adapters: both matrices non-zero (a fresh one has B = 0 and changes nothing).
        A = 0.3 * torch.randn(r, in_features)
        B = 0.3 * torch.randn(out_features, r)
        scaling = alpha / r
        base_forward = module.forward
        module.forward = (lambda bf, a, b: (lambda x: bf(x) + F.linear(F.linear(x, a), b) * scaling))(base_forward, A, B)
        state[f'base_model.model.{prefix}{name}.lora_A.weight'] = A
        state[f'base_model.model.{prefix}{name}.lora_B.weight'] = B
    return state


def write_adapter(name, state, config):
    folder = os.path.join(ROOT, f'peft-{name}')
    os.makedirs(folder, exist_ok=True)
    ref.write_safetensors(os.path.join(folder, 'adapter_model.safetensors'), state, {'format': 'pt'})
    ref.write_json(os.path.join(folder, 'adapter_config.json'), config)


def lora_config(task, r, alpha, targets, fan_in_fan_out, base):
    # LoraConfig's fields as save_pretrained writes them (the ones attn reads, and their neighbours).
    return {'peft_type': 'LORA', 'task_type': task, 'base_model_name_or_path': base, 'r': r, 'lora_alpha': alpha,
            'lora_dropout': 0.05, 'target_modules': targets, 'bias': 'none', 'fan_in_fan_out': fan_in_fan_out,
            'modules_to_save': None, 'inference_mode': True, 'init_lora_weights': True, 'use_rslora': False, 'use_dora': False,
            'layers_to_transform': None, 'revision': None}


def main():
    torch.set_num_threads(1)
    config, w = cls.read_folder('gpt2')
    model = ref.GPT2LMHeadModel(config)
    model.transformer.load_state_dict({k: v for k, v in w.items()}, strict=False)
    targets = ['c_attn', 'c_fc']
    state = add_lora(model.transformer, 'transformer.', targets, 2, 4, 21, True)
    write_adapter('gpt2', state, lora_config('CAUSAL_LM', 2, 4, targets, True, 'gpt2'))
    with torch.no_grad():
        logits, _ = model(IDS)
    ref.write_safetensors(os.path.join(ROOT, 'expected', 'gpt2-peft.safetensors'), {'ids': IDS.int(), 'logits': logits})

    config, w = cls.read_folder('llama')
    model = ref.LlamaForCausalLM(config)
    model.load_state_dict(w, strict=True)
    targets = ['q_proj', 'v_proj', 'down_proj']
    state = add_lora(model, '', targets, 3, 5, 22, False)
    write_adapter('llama', state, lora_config('CAUSAL_LM', 3, 5, targets, False, 'llama'))
    with torch.no_grad():
        logits, _ = model(IDS)
    ref.write_safetensors(os.path.join(ROOT, 'expected', 'llama-peft.safetensors'), {'ids': IDS.int(), 'logits': logits})
    print('wrote', ROOT)


if __name__ == '__main__':
    main()
