// A tiny Hugging Face folder for the server tests: the Llama (or Qwen2) fixture of
// tools/make-hf-fixtures.py (vocabulary 64, 64 positions) with a word-level tokenizer.json of 64
// ids and a chat template.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORDS = 'the cat sat on mat a dog ate hat then and down hello hi how are you i am fine what is it be . , ! ?'.split(' ');

export function writeTinyHfChatModel(dir: string, model: 'llama' | 'qwen2' = 'llama'): void {
  mkdirSync(dir, { recursive: true });
  const fixture = fileURLToPath(new URL(`../fixtures/hf/${model}/`, import.meta.url));
  for (const f of readdirSync(fixture)) copyFileSync(join(fixture, f), join(dir, f));
  const special = ['<unk>', '<s>', '</s>', '<|user|>', '<|assistant|>', '<|system|>'];
  const vocab: Record<string, number> = {};
  const words = [...special, ...WORDS];
  while (words.length < 64) words.push(`w${words.length}`); // as many ids as the model's vocabulary
  words.forEach((w, i) => (vocab[w] = i));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({
    bos_token: '<s>',
    eos_token: '</s>',
    chat_template: "{% if messages[0]['role'] == 'assistant' %}{{ raise_exception('the first message cannot be the assistant') }}{% endif %}{{ bos_token }}{% for m in messages %}{{ '<|' + m['role'] + '|> ' + m['content'] + ' ' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}",
  }));
}
