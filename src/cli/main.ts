#!/usr/bin/env node
/** The `attn` command line. */
import { Command } from 'commander';
import { runDemo } from './demo.js';

const program = new Command();
program.name('attn').description('Build, train, inspect and serve self-attention models.').showHelpAfterError();

program
  .command('demo')
  .description('train a tiny attention model on a toy task and print its loss falling')
  .option('--steps <n>', 'training steps', '300')
  .action((opts: { steps: string }) => {
    const steps = Number(opts.steps);
    if (!Number.isInteger(steps) || steps <= 0) {
      console.error(`attn demo: --steps must be a positive integer, got '${opts.steps}'`);
      process.exit(2);
    }
    console.log('attn demo: a one-layer self-attention model learns "which token follows the first 1?"');
    runDemo({ steps, log: (line) => console.log(line) });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`attn: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
