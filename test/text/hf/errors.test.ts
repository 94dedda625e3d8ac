// Bad tokenizer files: each is refused when the tokenizer is made, with an error that names the
// file, the JSON path and what was expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrainedTokenizer, loadTokenizerJson } from '../../../src/text/index.js';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'tokenizers');
const readFixture = (name: string): Record<string, any> => JSON.parse(readFileSync(join(ROOT, name, 'tokenizer.json'), 'utf8'));

function withFolder(files: Record<string, string>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'attn-hf-tok-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an unimplemented component is named with its type, JSON path, file and the implemented types', () => {
  const cases: [string, (j: Record<string, any>) => void, RegExp][] = [
    ['normalizer', (j) => { j.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Precompiled', precompiled_charsmap: '' }] }; },
      /tokenizer\.json: \$\.normalizer\.normalizers\[1\]: normalizer type "Precompiled" is not implemented by attn \(implemented: Sequence, NFC, .*BertNormalizer/],
    ['pre_tokenizer', (j) => { j.pre_tokenizer = { type: 'UnicodeScripts' }; },
      /\$\.pre_tokenizer: pre_tokenizer type "UnicodeScripts" is not implemented by attn \(implemented: Sequence, ByteLevel, Split, Metaspace/],
    ['model', (j) => { j.model = { type: 'Unigram', vocab: [['<unk>', 0]], unk_id: 0 }; },
      /\$\.model: model type "Unigram" is not implemented by attn \(implemented: BPE, WordPiece, WordLevel\)/],
    ['post_processor', (j) => { j.post_processor = { type: 'Fancy' }; }, /\$\.post_processor: post_processor type "Fancy" is not implemented/],
    ['decoder', (j) => { j.decoder = { type: 'Sequence', decoders: [{ type: 'CTC' }] }; }, /\$\.decoder\.decoders\[0\]: decoder type "CTC" is not implemented/],
  ];
  for (const [what, edit, message] of cases) {
    const json = readFixture('gpt2-bytelevel');
    edit(json);
    withFolder({ 'tokenizer.json': JSON.stringify(json) }, (dir) => {
      assert.throws(() => loadPretrainedTokenizer(dir), (e: Error) => {
        assert.match(e.message, message, what);
        assert.ok(e.message.startsWith(join(dir, 'tokenizer.json')), `${what}: the message starts with the file path`);
        return true;
      });
    });
  }
});

test('bad fields: merges outside the vocabulary, a bad merge, a bad vocabulary, a missing unk token, dropout', () => {
  const bpe = (model: Record<string, unknown>) => () => loadTokenizerJson({ model: { type: 'BPE', vocab: { a: 0, b: 1 }, merges: [], ...model } });
  assert.throws(bpe({ merges: ['a b'] }), /\$\.model\.merges\[0\] "a b": token "ab" is not in the vocabulary/);
  assert.throws(bpe({ merges: ['a b c'] }), /\$\.model\.merges\[0\]: expected "a b" or \["a", "b"\], got "a b c"/);
  assert.throws(bpe({ vocab: { a: -1 } }), /\$\.model\.vocab: token "a" has id -1, expected a non-negative integer/);
  assert.throws(bpe({ unk_token: '<unk>' }), /\$\.model\.unk_token "<unk>" is not in the vocabulary/);
  assert.throws(bpe({ dropout: 0.1 }), /\$\.model\.dropout is 0\.1: BPE dropout is not implemented/);
  assert.throws(() => loadTokenizerJson({ normalizer: null }), /<tokenizer.json object>: no "model" field/);
  assert.throws(() => loadTokenizerJson({ model: { type: 'BPE', vocab: { a: 0 }, merges: [] }, added_tokens: [{ content: 1 }] }), /\$\.added_tokens\[0\]: expected \{"id": integer, "content": string/);
  assert.throws(() => loadTokenizerJson({ model: { type: 'BPE', vocab: { a: 0 }, merges: [] }, pre_tokenizer: { type: 'Split', pattern: { Regex: '(' }, behavior: 'Isolated' } }),
    /\$\.pre_tokenizer\.pattern: regex "\(" does not compile in JavaScript/);
  const wp = loadTokenizerJson({ model: { type: 'WordPiece', vocab: { a: 0 }, unk_token: '[UNK]' } });
  assert.throws(() => wp.encode('b'), /\$\.model\.unk_token "\[UNK\]" is not in the vocabulary, and a word needs it/);
});

test('folders: no tokenizer.json (naming slow-tokenizer files found), unreadable JSON, a bad tokenizer_config.json', () => {
  withFolder({ 'vocab.txt': 'a\n' }, (dir) => {
    assert.throws(() => loadPretrainedTokenizer(dir), new RegExp(`^Error: ${dir}: no tokenizer.json \\(found vocab.txt: attn reads only the fast-tokenizer file`));
  });
  withFolder({}, (dir) => assert.throws(() => loadPretrainedTokenizer(dir), new RegExp(`^Error: ${dir}: no tokenizer.json$`)));
  withFolder({ 'tokenizer.json': '{"model": ' }, (dir) => {
    assert.throws(() => loadPretrainedTokenizer(dir), /tokenizer\.json: the tokenizer\.json is not valid JSON/);
  });
  withFolder({ 'tokenizer.json': readFileSync(join(ROOT, 'gpt2-bytelevel', 'tokenizer.json'), 'utf8'), 'tokenizer_config.json': '[1]' }, (dir) => {
    assert.throws(() => loadPretrainedTokenizer(dir), /tokenizer_config\.json: expected a JSON object, got \[1\]/);
  });
  assert.throws(() => loadTokenizerJson('/no/such/tokenizer.json'), /^Error: \/no\/such\/tokenizer\.json: cannot read the tokenizer\.json/);
});
