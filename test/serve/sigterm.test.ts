// `attn serve` as a process: it prints where it listens, and SIGTERM lets a streaming generation
// in flight finish (every token, then [DONE]) while refusing new connections, then exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { writeTinyLanguageModel } from '../generate/run-folder.js';
import { eventually, openStream, parseEvents, readRest } from './helpers.js';

test('SIGTERM drains the request in flight, then attn serve exits 0', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-serve-cli-'));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), 'serve', '--model', `long=${join(root, 'long')}`, '--port', '0'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    writeTinyLanguageModel(join(root, 'long'), { blockSize: 512, nLayer: 1 }).model.dispose();
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await eventually('attn serve to listen', async () => /listening on http:\/\/127\.0\.0\.1:\d+/.test(stdout) || child.exitCode !== null, 30_000);
    const url = stdout.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    assert.ok(url, `stdout: ${stdout}\nstderr: ${stderr}`);
    assert.match(stdout, /attn serve: long \(language-model, /);

    const { res, first } = await openStream(`${url}/v1/completions`, { prompt: 'the cat', max_tokens: 400, temperature: 0, stream: true, stream_options: { include_usage: true } });
    const rest = readRest(res);
    child.kill('SIGTERM');
    await eventually('the drain message', async () => /SIGTERM: finishing the requests in flight/.test(stdout));
    await eventually('new connections to be refused', async () => fetch(`${url}/health`).then(() => false, () => true));
    const events = parseEvents(first + (await rest)) as any[];
    assert.equal(events.at(-1), '[DONE]', 'the stream ended properly');
    assert.equal(events.at(-2).usage.completion_tokens, 400, 'every token was generated');
    assert.equal(events.at(-3).choices[0].finish_reason, 'length');
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /attn serve: stopped/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});

test('attn serve refuses a missing folder, duplicate names and a bad --weights-dtype in one line', { timeout: 60_000 }, async () => {
  const run = (args: string[]) => new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('exit', (code) => done({ code, stderr }));
  });
  const [missing, twice, none, dtype] = await Promise.all([
    run(['--model', 'runs/does-not-exist', '--port', '0']),
    run(['--model', 'a=x', '--model', 'a=y']),
    run([]),
    run(['--model', 'runs/x', '--weights-dtype', 'int8', '--port', '0']),
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^attn: --model runs\/does-not-exist: no such folder\n$/);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /two models are named 'a'/);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--model <dir> is required/);
  assert.equal(dtype.code, 2);
  assert.match(dtype.stderr, /^attn: --weights-dtype must be float32, bfloat16, float16 or auto, got 'int8'\n$/);
});
