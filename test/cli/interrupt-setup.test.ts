// Ctrl-C while `attn train` is still setting up (reading the data, fitting the tokenizer, writing
// the run folder's first files, loading the folder of `--from`) stops the run with a checkpoint
// too. It used to end the process at once with no message (Node's default for SIGINT), sometimes
// leaving a run folder with its options and no checkpoint, which --resume refused and a new run
// could not reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { cliAsync, writeJsonl } from '../helpers/cli.js';
import { wordLevelFixtureFolder } from '../helpers/hf-word-folder.js';

/** Runs `attn <args>` and sends SIGINT as soon as stdout shows `marker` (printed during the setup). */
function interruptAt(args: string[], marker: RegExp): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!sent && marker.test(stdout)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.on('close', (code, signal) => done({ code, signal, stdout, stderr })));
}

test('Ctrl-C during the setup of attn train (classifier and --task lm) leaves a checkpoint the run resumes from', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-interrupt-setup-'));
  try {
    const data = join(root, 'data.jsonl');
    // Enough text that fitting the BPE tokenizer after the "split:" line takes a moment.
    writeJsonl(data, Array.from({ length: 200 }, (_, i) => ({ text: `${i % 2 ? 'free cash prize' : 'meeting patch review'} ${'lorem ipsum dolor sit amet '.repeat(8)}${i}`, label: i % 2 ? 'spam' : 'ham' })));
    const clf = join(root, 'clf');
    const lm = join(root, 'lm');
    const common = ['--tokenizer', 'bpe', '--vocab-size', '600', '--max-steps', '3', '--no-progress', '--backend', 'ref'];
    const [classifier, languageModel] = await Promise.all([
      interruptAt(['train', '--data', data, '--d-model', '16', '--heads', '2', '--layers', '1', '--max-length', '16', '--no-baseline', ...common, '--out', clf], /^split: /m),
      interruptAt(['train', '--task', 'lm', '--data', data, '--block-size', '8', '--layers', '1', '--heads', '2', '--dim', '8', ...common, '--out', lm], /→/),
    ]);
    for (const [r, dir, resume] of [[classifier, clf, 'attn train --resume'], [languageModel, lm, 'attn train --task lm --resume']] as const) {
      assert.equal(r.signal, null, `${dir}: ended by the signal itself, with no checkpoint (stdout: ${r.stdout})`);
      // Either stopped with a checkpoint, or the 3 steps were already done when the signal came.
      if (r.code === 130) {
        assert.ok(existsSync(join(dir, 'checkpoint', 'training_state.safetensors')), `${dir}: no checkpoint`);
        assert.ok(r.stderr.includes(`attn: continue with: ${resume} ${dir}`), r.stderr);
        const resumed = await cliAsync(['train', '--resume', dir, '--no-progress', '--backend', 'ref']);
        assert.equal(resumed.status, 0, resumed.stderr);
      } else {
        assert.equal(r.code, 0, r.stderr);
      }
      assert.ok(existsSync(join(dir, 'model.safetensors')));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('Ctrl-C while attn train --from loads its folder stops the fine-tune after its first step with the model saved', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-interrupt-from-'));
  try {
    const gpt2 = wordLevelFixtureFolder(root, 'gpt2');
    const text = join(root, 'text.txt');
    writeFileSync(text, Array.from({ length: 60 }, (_, i) => ['the cat sat on the mat', 'the dog ran in the park'][i % 2]).join('\n'));
    const out = join(root, 'tuned');
    // The first line the fine-tune prints is the folder's summary, once it is loaded.
    const r = await interruptAt(['train', '--from', gpt2, '--task', 'lm', '--data', text, '--block-size', '8', '--batch-size', '2', '--max-steps', '50', '--no-progress', '--backend', 'ref', '--out', out], new RegExp(`^${gpt2.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `, 'm'));
    assert.equal(r.signal, null, `ended by the signal itself, with nothing saved (stdout: ${r.stdout}, stderr: ${r.stderr})`);
    assert.equal(r.code, 130, `exit ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, /attn: the fine-tune stopped at step (\d+); .* holds the best model so far/);
    assert.ok(Number(/stopped at step (\d+)/.exec(r.stderr)![1]) < 50, 'stopped before its last step');
    assert.ok(existsSync(join(out, 'model.safetensors')), 'no model saved');
    const g = await cliAsync(['generate', '--model', out, 'the cat', '--max-new-tokens', '2', '--temperature', '0', '--backend', 'ref']);
    assert.equal(g.status, 0, g.stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
