/**
 * Text in, text out: `generateText` and the streaming `streamText`, on top of the decoder of
 * ./generate.ts and any attn tokenizer.
 *
 * Text is decoded from all the new ids at each step and released as soon as it is final: held
 * back while it could still be the start of a stop string, or while it ends in an incomplete
 * UTF-8 character (a byte-level BPE token can carry half of one; it decodes as U+FFFD).
 *
 * ```ts
 * const { text } = await generateText(model, tokenizer, 'Call me', { maxNewTokens: 100, stop: '\n\n', seed: 1 });
 * for await (const { text } of streamText(model, tokenizer, 'Call me')) process.stdout.write(text);
 * ```
 */
import type { Tokenizer } from '../text/tokenizer.js';
import { CharTokenizer } from '../text/char-tokenizer.js';
import { BpeTokenizer } from '../text/bpe-tokenizer.js';
import { Decoder, type CausalLanguageModel, type StepAttention } from './generate.js';
import type { BatchDecoder, BatchSequenceOptions, TokenLogprob } from './batch-decoder.js';
import { GenerationOptionError, resolveGenerateOptions, type GenerateTextOptions, type ResolvedOptions } from './options.js';

export interface GeneratedText {
  /** The continuation (the prompt is not repeated), cut before a stop string. */
  text: string;
  /** Every new id, the end-of-text id or the one completing a stop string included. */
  tokens: number[];
  /** Why generation ended: an end-of-text id, a stop string, or maxNewTokens. */
  finishReason: 'eos' | 'stop' | 'length';
  /** With `returnAttention`: one entry per new token. */
  attentions?: StepAttention[];
}

export interface TextChunk {
  /** The new id. */
  token: number;
  /** Text this token made final ('' while text is held back); the pieces add up to the whole text. */
  text: string;
  attention: StepAttention | null;
  /** On the last chunk: why generation ended; null before. */
  finishReason: GeneratedText['finishReason'] | null;
  /** `streamTextBatched` with `logprobs`: the token's log-probability and the top alternatives. */
  logprob?: TokenLogprob;
}

/** The tokenizer's end-of-text id, when it has one. */
function tokenizerEos(tokenizer: Tokenizer): number | null {
  const id = tokenizer.eosId;
  return typeof id === 'number' && Number.isInteger(id) ? id : null;
}

/**
 * The ids of an attn tokenizer that stand for no text and that a language model trained on text
 * never needs to produce: padding, the char tokenizer's unknown character, BPE's specials but its
 * end of text. Hugging Face tokenizers are left as they are (their id 0 is often a real token).
 */
function textlessIds(tokenizer: Tokenizer): number[] {
  if (tokenizer instanceof CharTokenizer) return [tokenizer.padId, tokenizer.unkId];
  if (tokenizer instanceof BpeTokenizer) {
    return tokenizer.specialTokens.map((t) => tokenizer.specialId(t)).filter((id): id is number => id !== undefined && id !== tokenizer.eosId);
  }
  return [];
}

/** The options of the text functions: the tokenizer's end of text, its vocabulary and its textless ids. */
function resolveTextOptions(model: { config: { vocabSize: number } }, tokenizer: Tokenizer, options: GenerateTextOptions): ResolvedOptions {
  const resolved = resolveGenerateOptions(options, model.config.vocabSize, tokenizerEos(tokenizer));
  if (tokenizer.vocabSize < model.config.vocabSize) resolved.vocabLimit = tokenizer.vocabSize;
  if (options.suppressTokenIds === undefined) resolved.suppressTokenIds = textlessIds(tokenizer).filter((id) => id < model.config.vocabSize && !resolved.eosTokenIds.includes(id));
  return resolved;
}

/**
 * Encodes a prompt, refusing characters the tokenizer does not know (they would all read as the
 * same unknown id) and an empty prompt when there is no end-of-text id to start from.
 */
export function encodePrompt(tokenizer: Tokenizer, prompt: string): number[] {
  if (typeof prompt !== 'string') throw new GenerationOptionError('prompt', prompt, 'a string');
  const ids = tokenizer.encode(prompt);
  const unk = (tokenizer as { unkId?: unknown }).unkId;
  if (typeof unk === 'number' && ids.includes(unk)) {
    const unseen = (tokenizer as { unseenCharacters?: (text: string) => string[] }).unseenCharacters;
    const unknown = typeof unseen === 'function' ? unseen.call(tokenizer, prompt) : null;
    throw new GenerationOptionError('prompt', prompt, unknown && unknown.length > 0
      ? `text the tokenizer knows; ${unknown.map((c) => JSON.stringify(c)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in its vocabulary`
      : `text the tokenizer knows; it has ${ids.filter((id) => id === unk).length} unknown token(s)`);
  }
  if (ids.length === 0) {
    const eos = tokenizerEos(tokenizer);
    if (eos === null) throw new GenerationOptionError('prompt', prompt, 'text that encodes to at least one token (the tokenizer has no end-of-text id to start from)');
    return [eos];
  }
  return ids;
}

/** One row's text: decodes the new ids, finds stop strings, decides what is final. */
class TextRow {
  readonly tokens: number[] = [];
  private readonly textIds: number[] = [];
  private released = 0;
  text = '';
  stopped = false;
  finishReason: GeneratedText['finishReason'] | null = null;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly options: ResolvedOptions,
  ) {}

  /** Adds a token; returns the text it releases. `last`: no more tokens will come. */
  push(token: number, last: boolean): string {
    this.tokens.push(token);
    if (!this.options.eosTokenIds.includes(token)) this.textIds.push(token);
    const full = this.tokenizer.decode(this.textIds);
    let end = full.length;
    const hits = this.options.stop.map((s) => full.indexOf(s)).filter((i) => i >= 0);
    if (hits.length > 0) {
      end = Math.min(...hits);
      this.stopped = true;
    } else if (!last) {
      end = this.finalLength(full);
    }
    const piece = end > this.released ? full.slice(this.released, end) : '';
    this.released = Math.max(this.released, end);
    this.text = full.slice(0, this.released);
    return piece;
  }

  /** Length of the prefix of `full` that no later token can change. */
  private finalLength(full: string): number {
    let end = full.length;
    while (end > this.released && full[end - 1] === '\uFFFD') end--; // maybe half a character
    // Hold back the longest tail that is the start of a stop string (of any of them).
    let final = end;
    for (const s of this.options.stop) {
      for (let n = Math.min(s.length - 1, end - this.released); n > 0; n--) {
        if (full.endsWith(s.slice(0, n), end)) {
          final = Math.min(final, end - n);
          break;
        }
      }
    }
    return final;
  }
}

async function* streamRows(model: CausalLanguageModel, tokenizer: Tokenizer, prompts: string[], options: GenerateTextOptions): AsyncGenerator<{ row: number; chunk: TextChunk }, TextRow[]> {
  const resolved = resolveTextOptions(model, tokenizer, options);
  const decoder = new Decoder(model, prompts.map((p) => encodePrompt(tokenizer, p)), resolved);
  const rows = prompts.map(() => new TextRow(tokenizer, resolved));
  for await (const step of decoder.steps()) {
    for (const [b, token] of step.tokens.entries()) {
      if (token === null) continue;
      const row = rows[b]!;
      const text = row.push(token, step.finished[b]!);
      if (row.stopped) decoder.finish(b);
      row.finishReason = row.stopped ? 'stop' : !step.finished[b] ? null : resolved.eosTokenIds.includes(token) ? 'eos' : 'length';
      yield { row: b, chunk: { token, text, attention: step.attention, finishReason: row.finishReason } };
    }
  }
  return rows;
}

/**
 * Generates a continuation of `prompt` (or of each prompt of a list, batched with left padding).
 *
 * ```ts
 * const { text, tokens } = await generateText(model, tokenizer, 'Call me', { maxNewTokens: 40, temperature: 0 });
 * const [a, b] = await generateText(model, tokenizer, ['Call me', 'It was'], { seed: 3 });
 * ```
 */
export async function generateText(model: CausalLanguageModel, tokenizer: Tokenizer, prompt: string, options?: GenerateTextOptions): Promise<GeneratedText>;
export async function generateText(model: CausalLanguageModel, tokenizer: Tokenizer, prompt: readonly string[], options?: GenerateTextOptions): Promise<GeneratedText[]>;
export async function generateText(model: CausalLanguageModel, tokenizer: Tokenizer, prompt: string | readonly string[], options: GenerateTextOptions = {}): Promise<GeneratedText | GeneratedText[]> {
  const prompts = typeof prompt === 'string' ? [prompt] : [...prompt];
  if (prompts.length === 0) throw new GenerationOptionError('prompt', prompt, 'a string or a non-empty list of strings');
  const attentions: StepAttention[][] = prompts.map(() => []);
  const stream = streamRows(model, tokenizer, prompts, options);
  let next = await stream.next();
  while (!next.done) {
    if (next.value.chunk.attention) attentions[next.value.row]!.push(next.value.chunk.attention);
    next = await stream.next();
  }
  const results = next.value.map((row, b) => {
    const r: GeneratedText = { text: row.text, tokens: row.tokens, finishReason: row.finishReason ?? 'length' };
    if (options.returnAttention) r.attentions = attentions[b]!;
    return r;
  });
  return typeof prompt === 'string' ? results[0]! : results;
}

/**
 * Streams the continuation of `prompt`: one `{ token, text }` per new token, `text` being what
 * that token made final. Honours `signal` (the iterator throws its reason); breaking out of
 * the loop stops generation.
 *
 * ```ts
 * const controller = new AbortController();
 * for await (const { text } of streamText(model, tokenizer, 'Call me', { signal: controller.signal })) process.stdout.write(text);
 * ```
 */
export async function* streamText(model: CausalLanguageModel, tokenizer: Tokenizer, prompt: string, options: GenerateTextOptions = {}): AsyncGenerator<TextChunk> {
  if (typeof prompt !== 'string') throw new GenerationOptionError('prompt', prompt, 'a string (streamText streams one prompt)');
  for await (const { chunk } of streamRows(model, tokenizer, [prompt], options)) yield chunk;
}

/**
 * `streamText` through a `BatchDecoder`: the prompt joins the decoder's running batch (continuous
 * batching) and its chunks are those `streamText` gives alone (greedy, or with the same seed).
 * Breaking out of the loop, an abort or a stop string frees its row at once. `extra.logprobs`
 * (0 … 20) adds each token's log-probability and that many alternatives to its chunk (`logprob`).
 *
 * ```ts
 * const decoder = new BatchDecoder(model, { maxBatch: 8 });
 * const [a, b] = [streamTextBatched(decoder, tokenizer, 'Call me'), streamTextBatched(decoder, tokenizer, 'It was', { seed: 1 })];
 * for await (const { text } of a) process.stdout.write(text); // b shares the forwards meanwhile
 * ```
 */
export async function* streamTextBatched(decoder: BatchDecoder, tokenizer: Tokenizer, prompt: string, options: GenerateTextOptions = {}, extra: BatchSequenceOptions = {}): AsyncGenerator<TextChunk> {
  const { model } = decoder;
  const resolved = resolveTextOptions(model, tokenizer, options);
  const seq = decoder.addResolved(encodePrompt(tokenizer, prompt), resolved, extra);
  const row = new TextRow(tokenizer, resolved);
  for await (const { token, finished, logprob } of seq) {
    const text = row.push(token, finished);
    const finishReason = row.stopped ? 'stop' : !finished ? null : resolved.eosTokenIds.includes(token) ? 'eos' : 'length';
    yield logprob ? { token, text, attention: null, finishReason, logprob } : { token, text, attention: null, finishReason };
    if (row.stopped) return; // leaving the loop ends the sequence
  }
}
