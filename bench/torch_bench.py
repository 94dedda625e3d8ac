#!/usr/bin/env python3
"""PyTorch side of `npm run bench` (bench/run.mjs starts it; PyTorch 1.13 CPU).

Runs the benchmarks named by --only at each thread count of --threads (torch.set_num_threads,
and openblas_set_num_threads when PyTorch loaded OpenBLAS), with the same shapes, formulas and
timing rule as bench/suite.ts: the median of at least 5 timed runs after warm-up (more for cheap
cases, up to 2 s of timed work). Writes result records as JSON (the same fields as
bench/lib/measure.ts ResultRecord) to --out.

    /usr/bin/python3 bench/torch_bench.py --only B1,B2 --threads 1,2 [--quick] --out r.json
"""
import argparse
import ctypes
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # torch_gpt.py

MASKED = -1e9  # additive mask value, as the JavaScript peers


class Recorder:
    def __init__(self, out):
        self.out = out
        self.records = []
        self.notes = []
        self.meta = {}

    def add(self, **r):
        self.records.append(r)
        who = f"{r['bench']} {r['case']} | {r['impl']}" + (f" ×{r['threads']}" if r.get('threads') else '')
        if 'na' in r:
            print(f"  {who}: n/a: {r['na']}", flush=True)
        else:
            metric = f"  {r['metric']['value']:.1f} {r['metric']['name']}" if 'metric' in r else ''
            print(f"  {who}: {r['medianMs']:.2f} ms (median of {r['runs']}){metric}", flush=True)

    def note(self, bench, text):
        self.notes.append({'bench': bench, 'text': text})
        print(f"  {bench} note: {text}", flush=True)

    def save(self):
        if self.out:
            with open(self.out, 'w') as f:
                json.dump({'meta': self.meta, 'records': self.records, 'notes': self.notes}, f, indent=1)


def measure(fn, quick, budget_seconds=None):
    """Median of >= 5 timed runs (3 with --quick) after 1-2 warm-ups, within a per-case wall-clock
    budget (25 s, 10 s with --quick) as bench/lib/measure.ts: slow cases get as many runs as fit,
    at least one; a warm-up longer than half the budget is itself the one sample."""
    min_runs, min_seconds, max_runs, budget = (3, 0.3, 20, 10.0) if quick else (5, 2.0, 50, 25.0)
    if budget_seconds is not None:
        budget = budget_seconds
    start = time.perf_counter()

    def summary(samples):
        r = {'medianMs': statistics.median(samples), 'minMs': min(samples), 'runs': len(samples)}
        if len(samples) < min_runs:
            r['limited'] = True
        return r

    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    if first > budget / 2:
        return summary([first * 1000])
    if first < 0.5:
        fn()
    samples = []
    total = 0.0
    while len(samples) < min_runs or (total < min_seconds and len(samples) < max_runs):
        if samples and (time.perf_counter() - start) + samples[-1] / 1000 > budget:
            break
        t = time.perf_counter()
        fn()
        dt = time.perf_counter() - t
        samples.append(dt * 1000)
        total += dt
    return summary(samples)


def error_message(e):
    msg = str(e).strip().split('\n')[0] or type(e).__name__
    return msg if len(msg) <= 160 else msg[:157] + '...'


_OPENBLAS = None  # ctypes handle of the OpenBLAS this process loaded, set by blas_library()
_REFERENCE_BLAS = False  # the netlib BLAS is loaded (~30× slower GEMM), set by blas_library()


def set_threads(n):
    """torch.set_num_threads(n), and the same count for OpenBLAS: Debian's OpenBLAS (pthread
    build) keeps its own pool, one thread per core, whatever torch.set_num_threads says, so
    without this a "×1" PyTorch GEMM runs on every core."""
    torch.set_num_threads(n)
    if _OPENBLAS is not None:
        _OPENBLAS.openblas_set_num_threads(n)


def lcg(n, seed, spread=1.0):
    # The JavaScript side's generator would be slow in Python; the values do not affect timing.
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, generator=g) - 0.5) * spread


# ---- B1 GEMM ----------------------------------------------------------------------------------

def b1(rec, threads, quick):
    for (M, K, N, label) in [(512, 512, 512, '512×512×512'), (8192, 128, 512, '8192×128 · 128×512')]:
        a = lcg(M * K, 1).reshape(M, K)
        b = lcg(K * N, 2).reshape(K, N)
        for n in threads:
            set_threads(n)
            try:
                with torch.no_grad():
                    t = measure(lambda: a @ b, quick)
                rec.add(bench='B1', case=label, impl='PyTorch', threads=n, **t,
                        metric={'name': 'GFLOP/s', 'value': 2 * M * N * K / (t['medianMs'] * 1e6)})
            except Exception as e:  # noqa: BLE001 — one failure must not stop the run
                rec.add(bench='B1', case=label, impl='PyTorch', threads=n, na=error_message(e))


# ---- B2 attention -----------------------------------------------------------------------------

def attention(q, k, v, scale, mask):
    # PyTorch 1.13 has no fused CPU attention: the formula, with autograd.
    s = q @ k.transpose(-2, -1) * scale  # (B, H, T, T)
    if mask is not None:
        s = s + mask
    return torch.softmax(s, dim=-1) @ v  # (B, H, T, D)


def b2(rec, threads, quick):
    B, H, D = 4, 8, 64
    seqs = [128, 256] if quick else [512, 2048]
    scale = 1 / math.sqrt(D)
    for T in seqs:
        n = B * H * T * D
        q0, k0, v0, dy = (lcg(n, s, 2.0).reshape(B, H, T, D) for s in (11, 12, 13, 14))
        for causal in (False, True):
            mask = torch.triu(torch.full((T, T), MASKED), diagonal=1) if causal else None
            label = lambda p: f"seq {T}, {'causal' if causal else 'full'}, {p}"  # noqa: E731
            for nt in threads:
                set_threads(nt)
                try:
                    with torch.no_grad():
                        t = measure(lambda: attention(q0, k0, v0, scale, mask), quick)
                    rec.add(bench='B2', case=label('fwd'), impl='PyTorch', threads=nt, **t, note='unfused formula')
                except Exception as e:  # noqa: BLE001
                    rec.add(bench='B2', case=label('fwd'), impl='PyTorch', threads=nt, na=error_message(e))
                try:
                    q, k, v = (x.clone().requires_grad_() for x in (q0, k0, v0))

                    def step():
                        attention(q, k, v, scale, mask).backward(dy)
                        for x in (q, k, v):
                            x.grad = None

                    t = measure(step, quick)
                    rec.add(bench='B2', case=label('fwd+bwd'), impl='PyTorch', threads=nt, **t, note='unfused formula, autograd')
                except Exception as e:  # noqa: BLE001
                    rec.add(bench='B2', case=label('fwd+bwd'), impl='PyTorch', threads=nt, na=error_message(e))


# ---- B4 classifier ----------------------------------------------------------------------------

CLF = dict(vocab=20000, d=128, heads=4, layers=2, ffn=512, classes=20, seq=256, batch=32)


class Classifier(nn.Module):
    """clf-small as attn's TransformerClassifier: embedding + sinusoidal positions, pre-norm GELU
    encoder layers, final LayerNorm, padding-masked mean pooling, Linear."""

    def __init__(self, vocab, d, heads, layers, ffn, classes, max_len):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d, padding_idx=0)
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer('pe', pe)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(d, heads, dim_feedforward=ffn, dropout=0.0, activation='gelu',
                                       batch_first=True, norm_first=True)
            for _ in range(layers)
        ])
        self.norm = nn.LayerNorm(d)
        self.classifier = nn.Linear(d, classes)

    def forward(self, ids):
        real = ids != 0  # (B, T)
        x = self.embedding(ids) + self.pe[: ids.shape[1]]  # (B, T, d)
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=~real)  # (B, T, d)
        x = self.norm(x)
        m = real.unsqueeze(-1).float()  # (B, T, 1)
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1)  # (B, d)
        return self.classifier(pooled)  # (B, C)


def b4(rec, threads, quick):
    batch, seq = (4, 128) if quick else (CLF['batch'], CLF['seq'])
    shape_note = '' if (batch, seq) == (CLF['batch'], CLF['seq']) else f' (batch {batch}, seq {seq})'
    tokens = batch * seq
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1, CLF['vocab'], (batch, seq), generator=g)
    labels = torch.randint(0, CLF['classes'], (batch,), generator=g)
    for nt in threads:
        set_threads(nt)
        torch.manual_seed(0)
        model = Classifier(CLF['vocab'], CLF['d'], CLF['heads'], CLF['layers'], CLF['ffn'], CLF['classes'], seq)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
        case = f'train step{shape_note}'
        try:
            model.train()

            def step():
                loss = F.cross_entropy(model(ids), labels)
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)

            t = measure(step, quick)
            rec.add(bench='B4', case=case, impl='PyTorch', threads=nt, **t,
                    metric={'name': 'tokens/s', 'value': tokens / (t['medianMs'] / 1000)}, note='AdamW')
        except Exception as e:  # noqa: BLE001
            rec.add(bench='B4', case=case, impl='PyTorch', threads=nt, na=error_message(e))
        case = f'inference{shape_note}'
        try:
            model.eval()
            with torch.no_grad():
                t = measure(lambda: model(ids), quick)
            rec.add(bench='B4', case=case, impl='PyTorch', threads=nt, **t,
                    metric={'name': 'tokens/s', 'value': tokens / (t['medianMs'] / 1000)})
        except Exception as e:  # noqa: BLE001
            rec.add(bench='B4', case=case, impl='PyTorch', threads=nt, na=error_message(e))


# ---- B5 language-model training ------------------------------------------------------------------

# nanoGPT's Shakespeare-char configurations (README "I only have a macbook" and
# config/train_shakespeare_char.py): bias False (train.py's default), dropout 0 for timing.
LM_CONFIGS = [
    dict(key='cpu', n_layer=4, n_head=4, n_embd=128, block_size=64, batch=12),
    dict(key='gpu', n_layer=6, n_head=6, n_embd=384, block_size=256, batch=64),
]
CHAR_VOCAB = 65  # nanoGPT's shakespeare_char vocabulary; the timing does not depend on the text


def b5_case(cfg, batch):
    """The case label, shared with bench/b5-lm-train.ts (b5Case)."""
    name = 'CPU' if cfg['key'] == 'cpu' else 'GPU'
    extra = '' if batch == cfg['batch'] else f' (batch {batch} instead of {cfg["batch"]})'
    return f"{name} config: {cfg['n_layer']} layers, d {cfg['n_embd']}, block {cfg['block_size']}, batch {batch}{extra}"


def b5_batch(cfg, quick):
    return 4 if quick and cfg['key'] == 'gpu' else cfg['batch']


def b5(rec, threads, quick):
    from torch_gpt import GPT, GPTConfig
    rec.note('B5', 'PyTorch: nanoGPT model.py (1.13 has no scaled_dot_product_attention: its masked-softmax fallback), AdamW with nanoGPT\'s weight-decay groups (wd 0.1 on ≥ 2-D parameters), betas (0.9, 0.99), clip_grad_norm_ 1.0; random token ids, vocabulary 65.')
    for cfg in LM_CONFIGS:
        batch = b5_batch(cfg, quick)
        case = b5_case(cfg, batch)
        tokens = batch * cfg['block_size']
        g = torch.Generator().manual_seed(0)
        x = torch.randint(0, CHAR_VOCAB, (batch, cfg['block_size']), generator=g)
        y = torch.randint(0, CHAR_VOCAB, (batch, cfg['block_size']), generator=g)
        # The GPU configuration takes seconds per step: a few steps within a larger budget.
        budget = None if cfg['key'] == 'cpu' else (30.0 if quick else 90.0)
        if cfg['key'] == 'gpu' and _REFERENCE_BLAS:
            for nt in threads:
                rec.add(bench='B5', case=case, impl='PyTorch', threads=nt,
                        na='not run: PyTorch loaded the reference (netlib) BLAS, minutes per step at this shape (apt-get install libopenblas0-pthread)')
            continue
        for nt in threads:
            set_threads(nt)
            try:
                torch.manual_seed(0)
                model = GPT(GPTConfig(vocab_size=CHAR_VOCAB, block_size=cfg['block_size'], n_layer=cfg['n_layer'],
                                      n_head=cfg['n_head'], n_embd=cfg['n_embd'], dropout=0.0, bias=False))
                model.train()
                opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99))

                def step():
                    _, loss = model(x, y)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    opt.step()
                    opt.zero_grad(set_to_none=True)

                t = measure(step, quick, budget)
                rec.add(bench='B5', case=case, impl='PyTorch', threads=nt, **t,
                        metric={'name': 'tokens/s', 'value': tokens / (t['medianMs'] / 1000)})
            except Exception as e:  # noqa: BLE001
                rec.add(bench='B5', case=case, impl='PyTorch', threads=nt, na=error_message(e))


# ---- B6 generation ------------------------------------------------------------------------------

GPT2_SMALL = dict(n_layer=12, n_head=12, n_embd=768, vocab_size=50257, block_size=1024)
# --quick: the same vocabulary and width, 2 layers, shorter prompt and output.
GPT2_QUICK = dict(n_layer=2, n_head=12, n_embd=768, vocab_size=50257, block_size=1024)


def b6_plan(quick):
    """Shapes shared with bench/b6-generate.ts (b6Plan)."""
    if quick:
        return dict(model=GPT2_QUICK, prompt=32, new=16, long_prompt=96, long_new=8)
    return dict(model=GPT2_SMALL, prompt=128, new=128, long_prompt=480, long_new=32)


def b6_model(quick):
    from torch_gpt import GPT, GPTConfig
    torch.manual_seed(0)
    model = GPT(GPTConfig(dropout=0.0, bias=True, **b6_plan(quick)['model']))
    model.eval()
    return model


def b6_prompt(n, vocab):
    g = torch.Generator().manual_seed(1)
    return torch.randint(0, vocab, (1, n), generator=g)


def generate_greedy(model, prompt, new, use_cache):
    """Greedy decoding; returns (ms to the first new token, ms for the other new - 1 tokens)."""
    from torch_gpt import KVCache
    with torch.no_grad():
        t0 = time.perf_counter()
        if use_cache:
            cache = KVCache(model.config, 1, prompt.size(1) + new)
            nxt = model.decode_step(prompt, cache).argmax(-1, keepdim=True)  # (1, 1)
        else:
            seq = prompt
            nxt = model.last_logits(seq).argmax(-1, keepdim=True)
        t1 = time.perf_counter()
        for _ in range(new - 1):
            if use_cache:
                nxt = model.decode_step(nxt, cache).argmax(-1, keepdim=True)
            else:
                seq = torch.cat([seq, nxt], dim=1)
                nxt = model.last_logits(seq).argmax(-1, keepdim=True)
        nxt.item()
        t2 = time.perf_counter()
    return (t1 - t0) * 1000, (t2 - t1) * 1000


def measure_generation(run, quick, budget):
    """One warm-up, then at least 3 timed generations (2 with --quick) within `budget` seconds;
    medians of the time to first token and of the decoding time."""
    min_runs = 2 if quick else 3
    start = time.perf_counter()
    first = run()
    samples = []
    if sum(first) / 1000 > budget / 2:
        samples = [first]
    else:
        while len(samples) < min_runs:
            if samples and (time.perf_counter() - start) + sum(samples[-1]) / 1000 > budget:
                break
            samples.append(run())
    ttft = [s[0] for s in samples]
    dec = [s[1] for s in samples]
    extra = {'limited': True} if len(samples) < min_runs else {}
    return ({'medianMs': statistics.median(ttft), 'minMs': min(ttft), 'runs': len(samples), **extra},
            {'medianMs': statistics.median(dec), 'minMs': min(dec), 'runs': len(samples), **extra})


def b6_cases(plan):
    """Case labels, shared with bench/b6-generate.ts."""
    p, n, lp, ln = plan['prompt'], plan['new'], plan['long_prompt'], plan['long_new']
    return dict(ttft=f'prompt {p}: time to first token', decode=f'prompt {p} + {n} new: decoding',
                cached=f'{lp + ln} tokens (prompt {lp} + {ln} new), KV cache: decoding',
                nocache=f'{lp + ln} tokens (prompt {lp} + {ln} new), no cache: decoding')


def b6(rec, threads, quick):
    plan = b6_plan(quick)
    cases = b6_cases(plan)
    model = b6_model(quick)
    rec.note('B6', 'PyTorch: eager nanoGPT model with a preallocated key/value cache written in place (torch_gpt.py KVCache), no_grad, greedy argmax; lm_head on the last position only.')
    prompt = b6_prompt(plan['prompt'], model.config.vocab_size)
    budget = 60.0 if quick else 120.0
    for nt in threads:
        set_threads(nt)
        try:
            ttft, dec = measure_generation(lambda: generate_greedy(model, prompt, plan['new'], True), quick, budget)
            rec.add(bench='B6', case=cases['ttft'], impl='PyTorch', threads=nt, **ttft)
            rec.add(bench='B6', case=cases['decode'], impl='PyTorch', threads=nt, **dec,
                    metric={'name': 'tokens/s', 'value': (plan['new'] - 1) / (dec['medianMs'] / 1000)})
        except Exception as e:  # noqa: BLE001
            rec.add(bench='B6', case=cases['decode'], impl='PyTorch', threads=nt, na=error_message(e))


def export_b6_onnx(path, quick):
    """The B6 model (PyTorch's random init, seed 0) exported for onnxruntime-node."""
    from torch_gpt import export_onnx
    model = b6_model(quick)
    t = time.perf_counter()
    export_onnx(model, path, opset=17)
    print(f'  B6: exported {path} (opset 17) in {time.perf_counter() - t:.1f} s', flush=True)



# ---- B8 LoRA fine-tuning ------------------------------------------------------------------------

def b8_plan(quick):
    """Shapes shared with bench/b8-lora.ts (b8Plan)."""
    if quick:
        return dict(n_layer=2, batch=1, seq=128, rank=8, steps=3)
    return dict(n_layer=12, batch=4, seq=256, rank=8, steps=6)


def b8_case(plan):
    """The case label, shared with bench/b8-lora.ts (b8Case)."""
    layers = '' if plan['n_layer'] == 12 else f" ({plan['n_layer']} layers)"
    return f"GPT-2 small shape{layers}, LoRA rank {plan['rank']} on c_attn/c_proj/c_fc, batch {plan['batch']} × {plan['seq']}"


class LoRALinear(nn.Module):
    """A reference LoRA layer as PEFT's lora.Linear (peft/tuners/lora/layer.py): the frozen base
    nn.Linear plus (alpha / r) · B(A(dropout(x))), A Kaiming-uniform (a=√5), B zero, no dropout here."""

    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.lora_A = nn.Linear(base.in_features, rank, bias=False)
        self.lora_B = nn.Linear(rank, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.scaling = alpha / rank

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scaling


def apply_lora(model, rank, alpha, targets=('c_attn', 'c_proj', 'c_fc')):
    """Freezes every parameter and wraps each nn.Linear named by `targets` (PEFT's target_modules)."""
    for p in model.parameters():
        p.requires_grad_(False)
    for _, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.Linear) and child_name in targets:
                setattr(module, child_name, LoRALinear(child, rank, alpha))
    return [p for p in model.parameters() if p.requires_grad]


def b8(rec, threads, quick):
    from torch_gpt import GPT, GPTConfig
    plan = b8_plan(quick)
    case = b8_case(plan)
    tokens = plan['batch'] * plan['seq']
    rec.note('B8', f"PyTorch: nanoGPT's model (torch_gpt.py, biases, random weights) with a reference LoRA (torch_bench.py LoRALinear, as PEFT: rank {plan['rank']}, alpha {2 * plan['rank']}, on c_attn, c_proj, c_fc), AdamW lr 2e-4 on the adapters, clip_grad_norm_ 1.0; the loss over the full logits (nanoGPT's forward).")
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 50257, (plan['batch'], plan['seq']), generator=g)
    y = torch.randint(0, 50257, (plan['batch'], plan['seq']), generator=g)
    if _REFERENCE_BLAS and not quick:
        for nt in threads:
            rec.add(bench='B8', case=case, impl='PyTorch', threads=nt,
                    na='not run: PyTorch loaded the reference (netlib) BLAS, minutes per step at this shape (apt-get install libopenblas0-pthread)')
        return
    rounds = min(2, plan['steps'])
    samples = {nt: [] for nt in threads}
    errors = {}
    for _ in range(rounds):  # interleaved over the thread counts, as bench/b8-lora.ts
        for nt in threads:
            if nt in errors:
                continue
            set_threads(nt)
            try:
                torch.manual_seed(0)
                model = GPT(GPTConfig(vocab_size=50257, block_size=1024, n_layer=plan['n_layer'], n_head=12, n_embd=768, dropout=0.0, bias=True))
                params = apply_lora(model, plan['rank'], 2 * plan['rank'])
                model.train()
                opt = torch.optim.AdamW(params, lr=2e-4, weight_decay=0.0)

                def step():
                    _, loss = model(x, y)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(params, 1.0)
                    opt.step()
                    opt.zero_grad(set_to_none=True)

                step()  # warm-up
                for _ in range(math.ceil(plan['steps'] / rounds)):
                    t = time.perf_counter()
                    step()
                    samples[nt].append((time.perf_counter() - t) * 1000)
                del model, opt
            except Exception as e:  # noqa: BLE001
                errors[nt] = error_message(e)
    for nt in threads:
        s = samples[nt]
        if not s:
            rec.add(bench='B8', case=case, impl='PyTorch', threads=nt, na=errors.get(nt, 'no step ran'))
            continue
        med = statistics.median(s)
        extra = {'limited': True} if len(s) < plan['steps'] else {}
        rec.add(bench='B8', case=case, impl='PyTorch', threads=nt, medianMs=med, minMs=min(s), runs=len(s), **extra,
                metric={'name': 'tokens/s', 'value': tokens / (med / 1000)})


def b7(rec, threads, quick):
    # Not run: B7 measures attn's loading of a Hugging Face folder; B6 gives PyTorch's decoding at this shape.
    pass

def b3(rec, threads, quick):
    # Not run: bench/b3-memory.ts reports the size the unfused formula would need.
    pass


def blas_library():
    """The BLAS shared library this process loaded (PyTorch's GEMM speed depends on it: Debian's
    python3-torch uses whatever libblas.so.3 points to, the reference BLAS unless OpenBLAS or
    BLIS is installed)."""
    torch.ones(2, 2) @ torch.ones(2, 2)
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
    except OSError:
        return 'unknown'
    if not libs:
        return 'none loaded (MKL or built-in)'
    real = sorted({os.path.realpath(p) for p in libs})
    global _OPENBLAS
    for path in real:
        if 'openblas' in path:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_set_num_threads
                lib.openblas_get_num_threads
                _OPENBLAS = lib
                break
            except (OSError, AttributeError):
                pass
    global _REFERENCE_BLAS
    _REFERENCE_BLAS = any('/blas/libblas' in p for p in real) and not any(k in p for p in real for k in ('openblas', 'blis', 'mkl'))
    kind = 'OpenBLAS' if any('openblas' in p for p in real) else 'BLIS' if any('blis' in p for p in real) else 'MKL' if any('mkl' in p for p in real) else 'reference BLAS (netlib)' if any('/blas/libblas' in p for p in real) else 'other'
    return f"{kind}: {', '.join(real)}"


BENCHMARKS = {'B1': b1, 'B2': b2, 'B3': b3, 'B4': b4, 'B5': b5, 'B6': b6, 'B7': b7, 'B8': b8}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--only', default=','.join(BENCHMARKS))
    p.add_argument('--threads', default='1,2')
    p.add_argument('--quick', action='store_true')
    p.add_argument('--out')
    p.add_argument('--export-onnx', metavar='PATH', help='only export the B6 model to PATH (for onnxruntime-node) and exit')
    args = p.parse_args()
    if args.export_onnx:
        export_b6_onnx(args.export_onnx, args.quick)
        return
    threads = [int(x) for x in args.threads.split(',') if x.strip()]
    rec = Recorder(args.out)
    torch.set_num_interop_threads(1)
    rec.meta = {'torch': torch.__version__, 'blas': blas_library(), 'threads': threads}
    if _OPENBLAS is not None:
        default = _OPENBLAS.openblas_get_num_threads()
        set_threads(threads[0] if threads else 1)
        ok = _OPENBLAS.openblas_get_num_threads() == (threads[0] if threads else 1)
        rec.meta['blasThreads'] = (f'OpenBLAS thread count set to the torch thread count (openblas_set_num_threads; its default here is {default})'
                                   if ok else f'openblas_set_num_threads had no effect: OpenBLAS runs on {default} threads at every torch thread count')
    print(f"  PyTorch {torch.__version__}, BLAS: {rec.meta['blas']}" + (f"; {rec.meta['blasThreads']}" if 'blasThreads' in rec.meta else ''), flush=True)
    for name in [s.strip().upper() for s in args.only.split(',') if s.strip()]:
        fn = BENCHMARKS.get(name)
        if fn is None:
            print(f'torch_bench: unknown benchmark {name}', file=sys.stderr)
            continue
        try:
            fn(rec, threads, args.quick)
        except Exception as e:  # noqa: BLE001
            rec.note(name, f'PyTorch aborted: {error_message(e)}')
        rec.save()
    rec.save()


if __name__ == '__main__':
    main()
