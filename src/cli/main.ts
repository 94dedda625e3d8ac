#!/usr/bin/env node
/** The `attn` command line: train, eval, predict (and a toy demo). */
import { Command, CommanderError } from 'commander';
import { runDemo } from './demo.js';
import { registerTrainCommand } from './train.js';
import { registerEvalCommand } from './eval.js';
import { registerPredictCommand } from './predict.js';
import { registerGenerateCommand } from './generate.js';
import { registerServeCommand } from './serve.js';
import { registerTokenizeCommand } from './tokenize.js';
import { registerExportCommand } from './export.js';
import { registerAttentionCommand } from './attention.js';
import { UsageError } from './options.js';
import { wordError } from './errors.js';
import '../index.js';

const program = new Command();
program
  .name('attn')
  .description('Train, evaluate and use self-attention models: text classifiers and GPT language models.')
  // Commander's own refusals (unknown option, missing argument) start as attn's do.
  .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, 'attn: ')) })
  .showHelpAfterError('(attn --help lists the commands)')
  .addHelpText('after', `
Quick start:
  attn train                                   # the built-in spam-assassin corpus
  attn predict --model runs/<timestamp> "free money!!!" --attention
  attn train --data ./my-folder-per-class      # your own data
  attn train --task lm                         # a GPT language model on the built-in moby-dick text
  attn generate --model runs/<timestamp> "Call me"`);

registerTrainCommand(program);
registerEvalCommand(program);
registerPredictCommand(program);
registerGenerateCommand(program);
registerTokenizeCommand(program);
registerServeCommand(program);
registerExportCommand(program);
registerAttentionCommand(program);

program
  .command('demo')
  .description('train a tiny attention model on a toy task and print its loss falling')
  .option('--steps <n>', 'training steps', '300')
  .addHelpText('after', `
Examples:
  attn demo                # about 10 seconds
  attn demo --steps 100    # shorter, less accurate`)
  .action((opts: { steps: string }) => {
    const steps = Number(opts.steps);
    if (!Number.isInteger(steps) || steps <= 0) throw new UsageError(`--steps must be a positive integer, got '${opts.steps}'`);
    console.log('attn demo: a one-layer self-attention model learns "which token follows the first 1?"');
    runDemo({ steps, log: (line) => console.log(line) });
  });

// After a mistake, a hint rather than the whole help: 80 lines of options would push the one line
// that says what is wrong off the screen.
for (const command of program.commands) command.showHelpAfterError(`(attn ${command.name()} --help lists its options)`);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // User mistakes (bad options, bad files, bad data) get one clear line, not a stack trace.
  const message = wordError(err);
  console.error(`attn: ${message}`);
  if (process.env.ATTN_DEBUG && err instanceof Error) console.error(err.stack);
  process.exit(err instanceof UsageError ? 2 : 1);
});
