// applyChatTemplate: which template and variables reach the engine, tokenization of the result,
// errors; and, where @huggingface/jinja is installed, the renderings of Python's Jinja2 (as
// transformers runs chat templates) reproduced exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HfTokenizer, applyChatTemplate, loadJinjaEngine, loadPretrainedTokenizer, type TemplateEngine } from '../../../src/text/index.js';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'tokenizers');

/** An engine that records what it is given and renders the messages in a fixed plain form. */
function recordingEngine(): TemplateEngine & { calls: { template: string; context: Record<string, unknown> }[] } {
  const calls: { template: string; context: Record<string, unknown> }[] = [];
  return {
    calls,
    render(template, context) {
      calls.push({ template, context });
      const messages = context.messages as { role: string; content: string }[];
      return `${context.bos_token}${messages.map((m) => `[${m.role}]${m.content}${context.eos_token}`).join('')}${context.add_generation_prompt ? '[assistant]' : ''}`;
    },
  };
}

test('applyChatTemplate passes the tokenizer_config template, messages, special tokens and add_generation_prompt', () => {
  const tok = loadPretrainedTokenizer(join(ROOT, 'llama3-bytelevel'));
  const config = JSON.parse(readFileSync(join(ROOT, 'llama3-bytelevel', 'tokenizer_config.json'), 'utf8'));
  const engine = recordingEngine();
  const messages = [{ role: 'user', content: 'Hi' }];
  const text = applyChatTemplate(tok, messages, { addGenerationPrompt: true, engine, variables: { date_string: '1 Dec' } });
  assert.equal(text, '<|begin_of_text|>[user]Hi<|eot_id|>[assistant]');
  const { template, context } = engine.calls[0]!;
  assert.equal(template, config.chat_template);
  assert.equal(context.messages, messages);
  assert.equal(context.add_generation_prompt, true);
  assert.equal(context.eos_token, '<|eot_id|>');
  assert.equal(context.date_string, '1 Dec');
  assert.equal(context.raise_exception, undefined, "@huggingface/jinja defines it and refuses a second one");
  // tokenize: the special tokens the template wrote become their ids; no BOS is added again.
  const ids = applyChatTemplate(tok, messages, { engine, tokenize: true });
  assert.equal(ids[0], tok.bosId);
  assert.equal(ids.filter((id) => id === tok.bosId).length, 1);
  assert.equal(ids[ids.length - 1], tok.eosId);
  assert.equal(tok.decode(ids), '<|begin_of_text|>[user]Hi<|eot_id|>');
});

test('applyChatTemplate: named templates, a template given directly, and its errors', () => {
  const tok = loadPretrainedTokenizer(join(ROOT, 'gpt2-bytelevel')); // no chat_template
  const engine = recordingEngine();
  assert.throws(() => applyChatTemplate(tok, [{ role: 'user', content: 'x' }], { engine }), /the tokenizer has no chat_template/);
  applyChatTemplate(tok, [{ role: 'user', content: 'x' }], { engine, chatTemplate: '{{ 1 }}' });
  assert.equal(engine.calls[0]!.template, '{{ 1 }}');
  assert.throws(() => applyChatTemplate(tok, [{ role: 'user' } as never], { engine }), /messages must be an array of \{role: string, content: string\}/);
  // tokenizer_config.json may hold [{name, template}, …]: "default" unless another is named.
  const json = JSON.parse(readFileSync(join(ROOT, 'gpt2-bytelevel', 'tokenizer.json'), 'utf8'));
  const named = new HfTokenizer(json, 'tokenizer.json', { chat_template: [{ name: 'default', template: 'D' }, { name: 'tool_use', template: 'T' }] });
  applyChatTemplate(named, [], { engine });
  applyChatTemplate(named, [], { engine, chatTemplate: 'tool_use' });
  assert.deepEqual(engine.calls.slice(-2).map((c) => c.template), ['D', 'T']);
  const noDefault = new HfTokenizer(json, 'tokenizer.json', { chat_template: [{ name: 'tool_use', template: 'T' }] });
  assert.throws(() => applyChatTemplate(noDefault, [], { engine }), /named chat templates \(tool_use\) but none called "default"/);
  const failing: TemplateEngine = { render: () => { throw new Error('unexpected end of template'); } };
  assert.throws(() => applyChatTemplate(tok, [], { engine: failing, chatTemplate: '{%' }), /applyChatTemplate: the chat template failed to render: unexpected end of template/);
});

test('@huggingface/jinja renders the fixtures as Jinja2 does, or its absence is reported with the install command', () => {
  let engine: TemplateEngine | null = null;
  try {
    engine = loadJinjaEngine();
  } catch (e) {
    assert.match((e as Error).message, /chat templates need the package @huggingface\/jinja \(npm install @huggingface\/jinja\)/);
  }
  if (engine === null) return;
  for (const name of ['llama2-sp', 'llama3-bytelevel']) {
    const tok = loadPretrainedTokenizer(join(ROOT, name));
    const chat = JSON.parse(readFileSync(join(ROOT, name, 'chat.json'), 'utf8')) as {
      cases: { messages: { role: string; content: string }[]; add_generation_prompt: boolean; text: string }[];
    };
    for (const c of chat.cases) {
      assert.equal(applyChatTemplate(tok, c.messages, { addGenerationPrompt: c.add_generation_prompt, engine }), c.text);
    }
  }
  const llama3 = loadPretrainedTokenizer(join(ROOT, 'llama3-bytelevel'));
  const messages = [{ role: 'user', content: 'hi' }];
  const ids = applyChatTemplate(llama3, messages, { engine, tokenize: true });
  const pieces = ids.map((id) => llama3.idToToken(id));
  assert.deepEqual(pieces.slice(0, 2), ['<|begin_of_text|>', '<|start_header_id|>']);
  assert.ok(pieces.includes('<|end_header_id|>') && pieces[pieces.length - 1] === '<|eot_id|>');
  assert.equal(llama3.decode(ids), applyChatTemplate(llama3, messages, { engine }));
  const strict = "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first message must be from the user') }}{% endif %}";
  assert.throws(
    () => applyChatTemplate(llama3, [{ role: 'bot', content: 'x' }], { engine: engine!, chatTemplate: strict }),
    /the chat template failed to render: first message must be from the user/,
  );
});
