// Chat templates: tokenizer_config.json's `chat_template` is a Jinja template that turns a list
// of messages into the prompt text a chat model was trained on. It is rendered by a template
// engine given to `applyChatTemplate`, or by `@huggingface/jinja` (the engine transformers.js
// uses, written to match Python's Jinja as transformers calls it) loaded in `loadJinjaEngine`,
// the one place that names the package.

import { requirePackage } from '../../platform/index.js';
import type { HfTokenizer } from './hf-tokenizer.js';

/** One chat message, as transformers takes them. */
export interface ChatMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

/** Renders a Jinja template with a context. `@huggingface/jinja`'s Template fits it. */
export interface TemplateEngine {
  render(template: string, context: Record<string, unknown>): string;
}

/** Options of `applyChatTemplate`. */
export interface ChatTemplateOptions {
  /** End the prompt with the assistant's header, so the model writes the reply (default false). */
  addGenerationPrompt?: boolean;
  /** Return token ids instead of text (default false). Special tokens are not added again. */
  tokenize?: boolean;
  /** A template to use instead of the tokenizer's, or the name of one of its named templates. */
  chatTemplate?: string;
  /** The engine; default `loadJinjaEngine()`. */
  engine?: TemplateEngine;
  /** More variables for the template (`tools`, `documents`, `date_string` …). */
  variables?: Record<string, unknown>;
}

let cached: TemplateEngine | null = null;

/**
 * The `@huggingface/jinja` engine. Throws, saying how to install it, when the package is not
 * installed.
 *
 * @example
 * const engine = loadJinjaEngine();
 * engine.render('{{ a }}!', { a: 'hi' }); // 'hi!'
 */
export function loadJinjaEngine(): TemplateEngine {
  if (cached) return cached;
  let mod: { Template?: new (source: string) => { render(ctx: Record<string, unknown>): string } };
  try {
    mod = requirePackage('@huggingface/jinja') as typeof mod;
  } catch (e) {
    throw new Error(
      `chat templates need the package @huggingface/jinja (npm install @huggingface/jinja), which could not be loaded: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const Template = mod.Template;
  if (typeof Template !== 'function') throw new Error('@huggingface/jinja: the package has no Template export (expected version ≥ 0.2)');
  const compiled = new Map<string, { render(ctx: Record<string, unknown>): string }>();
  cached = {
    render(template, context) {
      let t = compiled.get(template);
      if (!t) {
        t = new Template(template);
        compiled.set(template, t);
      }
      return t.render(context);
    },
  };
  return cached;
}

function pickTemplate(tok: HfTokenizer, requested: string | undefined): string {
  const own = tok.chatTemplate;
  if (requested !== undefined) {
    if (own !== null && typeof own === 'object' && Object.hasOwn(own, requested)) return own[requested]!;
    return requested;
  }
  if (typeof own === 'string') return own;
  if (own !== null && typeof own.default === 'string') return own.default;
  const names = own === null ? [] : Object.keys(own);
  throw new Error(
    names.length > 0
      ? `applyChatTemplate: the tokenizer has named chat templates (${names.join(', ')}) but none called "default"; pass chatTemplate: name`
      : 'applyChatTemplate: the tokenizer has no chat_template (tokenizer_config.json has none); pass chatTemplate',
  );
}

/**
 * The prompt a chat model expects for `messages`, rendered from its chat template with the
 * variables transformers passes (`messages`, `add_generation_prompt`, `bos_token`, `eos_token`,
 * the other special tokens of tokenizer_config.json; the engine provides `raise_exception`).
 *
 * @example
 * const tok = loadPretrainedTokenizer('models/TinyLlama-chat');
 * applyChatTemplate(tok, [{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
 * // '<|user|>\nHi</s>\n<|assistant|>\n'
 */
export function applyChatTemplate(tok: HfTokenizer, messages: ChatMessage[], options?: ChatTemplateOptions & { tokenize?: false }): string;
export function applyChatTemplate(tok: HfTokenizer, messages: ChatMessage[], options: ChatTemplateOptions & { tokenize: true }): number[];
export function applyChatTemplate(tok: HfTokenizer, messages: ChatMessage[], options: ChatTemplateOptions = {}): string | number[] {
  if (!Array.isArray(messages) || messages.some((m) => typeof m?.role !== 'string' || typeof m?.content !== 'string')) {
    throw new Error('applyChatTemplate: messages must be an array of {role: string, content: string}');
  }
  const template = pickTemplate(tok, options.chatTemplate);
  const engine = options.engine ?? loadJinjaEngine();
  const context: Record<string, unknown> = {
    ...tok.specialTokenNames(),
    ...options.variables,
    messages,
    add_generation_prompt: options.addGenerationPrompt ?? false,
    // raise_exception (which templates call on bad input) is the engine's own global in
    // @huggingface/jinja, as in transformers; defining it here is an error there.
  };
  let text: string;
  try {
    text = engine.render(template, context);
  } catch (e) {
    throw new Error(`applyChatTemplate: the chat template failed to render: ${(e as Error).message}`);
  }
  // The template writes the BOS itself when the model wants one, so no special tokens are added.
  return options.tokenize ? tok.encode(text, { addSpecialTokens: false }) : text;
}
