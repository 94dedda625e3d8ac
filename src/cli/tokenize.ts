/** `attn tokenize`: the token ids of a text and the piece each stands for, with any model folder's tokenizer. */
import type { Command } from 'commander';
import { loadFolderTokenizer, tokenizeWithPieces } from '../infer/folder-tokenizer.js';
import { withFolderFlag } from './errors.js';
import { UsageError } from './options.js';

interface TokenizeFlags {
  model?: string;
  json: boolean;
}

export function registerTokenizeCommand(program: Command): void {
  program
    .command('tokenize')
    .description("print the token ids of a text and their pieces, with a model folder's tokenizer")
    .argument('<text>', 'the text to tokenize')
    .option('--model <dir>', 'a run folder written by attn train, or a Hugging Face model folder (tokenizer.json)')
    .option('--json', 'print {"tokens": [ids], "pieces": [...]}', false)
    .addHelpText('after', `
Examples:
  attn tokenize --model runs/lm "Call me Ishmael."
  attn tokenize --model models/gpt2 "Hello world" --json    # {"tokens":[15496,995],"pieces":["Hello","Ġworld"]}`)
    .action((text: string, flags: TokenizeFlags) => {
      if (!flags.model) throw new UsageError('--model <dir> is required (a run folder or a Hugging Face model folder)');
      const tokenizer = withFolderFlag('--model', () => loadFolderTokenizer(flags.model!));
      const pieces = tokenizeWithPieces(tokenizer, text);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ tokens: pieces.map((p) => p.id), pieces: pieces.map((p) => p.piece) })}\n`);
        return;
      }
      process.stdout.write(`${pieces.length} token${pieces.length === 1 ? '' : 's'}\n`);
      for (const { id, piece } of pieces) process.stdout.write(`${String(id).padStart(7)}  ${JSON.stringify(piece)}\n`);
    });
}
