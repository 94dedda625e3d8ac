// The CLI on Hugging Face folders: `attn tokenize` prints a folder's token ids and pieces (Hugging
// Face tokenizer.json or an attn run folder's own tokenizer), and `attn generate --model HF_DIR`
// generates with a Hugging Face GPT-2 folder, its generation_config.json giving the defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { generateText, loadPretrained } from '../../src/index.js';
import { CharTokenizer, loadPretrainedTokenizer } from '../../src/text/index.js';
import { fixtureDir } from '../models/hf/helpers.js';

const GPT2_TOKENIZER = join(import.meta.dirname, '..', 'fixtures', 'tokenizers', 'gpt2-bytelevel');
const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'in', 'park'];

/** The tiny GPT-2 fixture folder with a WordLevel tokenizer.json ([PAD] 0, [UNK] 1, then WORDS). */
function gpt2Folder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'attn-hf-cli-')), 'gpt2');
  cpSync(fixtureDir('gpt2'), dir, { recursive: true });
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1 };
  WORDS.forEach((w, i) => (vocab[w] = i + 2));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: { type: 'WordPiece', prefix: '##', cleanup: false },
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  }));
  return dir;
}

test('attn tokenize --json on a Hugging Face folder gives the ids and pieces of its tokenizer.json', () => {
  const text = 'Hello world, 1851!  Call me Ishmael.';
  const r = cli(['tokenize', '--model', GPT2_TOKENIZER, text, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const tok = loadPretrainedTokenizer(GPT2_TOKENIZER);
  const ids = tok.encode(text);
  assert.deepEqual(JSON.parse(r.stdout), { tokens: ids, pieces: ids.map((id) => tok.idToToken(id)) });
  const plain = cli(['tokenize', '--model', GPT2_TOKENIZER, text]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, new RegExp(`^${ids.length} tokens\\n`));
});

test("attn tokenize on an attn run folder uses the run's own tokenizer; a folder without one is refused naming it", () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-tok-run-'));
  const tok = new CharTokenizer().fitOnTexts(['call me ishmael']);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.toJSON()));
  const r = cli(['tokenize', '--model', dir, 'me call', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).tokens, tok.encode('me call'));
  const empty = mkdtempSync(join(tmpdir(), 'attn-tok-none-'));
  const refused = cli(['tokenize', '--model', empty, 'x']);
  assert.equal(refused.status, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, new RegExp(`^attn: .*${empty}/tokenizer\\.json: file not found`));
  assert.equal(refused.stderr.trim().split('\n').length, 1);
});

test('attn generate --model on a Hugging Face GPT-2 folder: greedy by its generation_config.json, as the library generates', async () => {
  const dir = gpt2Folder();
  const r = cli(['generate', '--model', dir, 'the cat sat', '--max-new-tokens', '8', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { tokens: number[]; text: string };
  const pretrained = loadPretrained(dir);
  const tok = loadPretrainedTokenizer(dir);
  // The fixture's generation_config.json has no do_sample: greedy, as transformers' generate.
  assert.equal(pretrained.generation.temperature, 0);
  const { tokens } = await generateText(pretrained.model as never, tok, 'the cat sat', { maxNewTokens: 8, temperature: 0, eosTokenId: 63 });
  assert.deepEqual(out.tokens, tokens);
  // The model's 64 ids are more than the tokenizer's 11: only ids the tokenizer can decode are drawn.
  assert.ok(out.tokens.length === 8 && out.tokens.every((id) => id < tok.vocabSize), JSON.stringify(out.tokens));
  pretrained.dispose();
});

test('attn generate --model on a Hugging Face encoder folder is refused in one line naming the folder', () => {
  const r = cli(['generate', '--model', fixtureDir('bert'), 'the cat']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^attn: --model .*bert: this folder holds a Hugging Face bert encoder, not a causal language model/);
});
