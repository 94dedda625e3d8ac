// The page of attn serve in real Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// the explorer over a tiny classifier and GPT made here (layers, heads, hover, model view,
// heatmap, rollout), Classify, a streamed generation with token probabilities on hover, and the
// training dashboard reading log.jsonl files this test writes and appends to. Screenshots go to
// test-artifacts/ (gitignored); look at them after a change to the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { writeTinyClassifier } from './run-folders.js';
import { writeTinyLanguageModel } from '../generate/run-folder.js';

const CHROMIUM = '/usr/bin/chromium';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const shots = join(repo, 'test-artifacts');
let root = '';
let server: RunningServer;
let browser: Browser;
let page: Page;

/** A log.jsonl line as attn train writes it (run 2 logs lr per parameter group, as the Trainer does). */
function logLine(step: number, run: number): string {
  const lr = 1e-3 * Math.min(1, step / 10);
  return `${JSON.stringify({ step, epoch: 1, loss: 3 / (1 + step * 0.1 * run) + 0.05 * Math.sin(step), lr: run === 2 ? [lr, lr] : lr, tokensPerSecond: 900 + 40 * run + (step % 7) * 10, accuracy: Math.min(0.95, 0.4 + step * 0.01 * run) })}\n`;
}

before(async () => {
  // Fail, not skip, without Chromium: CI installs it (.ci/run).
  if (!existsSync(CHROMIUM)) throw new Error(`the browser tests need Chromium at ${CHROMIUM} (Debian: apt-get install -y chromium); playwright-core drives it, nothing is downloaded`);
  execFileSync(process.execPath, [join(repo, 'tools', 'build-web.mjs')], { stdio: 'inherit' });
  mkdirSync(shots, { recursive: true });
  root = mkdtempSync(join(tmpdir(), 'attn-browser-'));
  writeTinyClassifier(join(root, 'clf'));
  writeTinyLanguageModel(join(root, 'lm')).model.dispose();
  const runs = join(root, 'runs');
  for (const [name, run] of [['run-a', 1], ['run-b', 2]] as const) {
    mkdirSync(join(runs, name), { recursive: true });
    writeFileSync(join(runs, name, 'log.jsonl'), Array.from({ length: 30 }, (_, i) => logLine(i + 1, run)).join(''));
  }
  server = await startServer({ models: [{ name: 'clf', dir: join(root, 'clf') }, { name: 'lm', dir: join(root, 'lm') }], port: 0, runsDir: runs });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  (page as unknown as { errors: string[] }).errors = errors;
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const lines = (p: Page) => p.locator('svg.head-view line').count();

test('the page in Chromium: explorer, classify, generate, dashboard', { timeout: 60_000 }, async () => {
  await page.goto(server.url);
  // The classifier is first: explorer, classify and dashboard tabs, no generate tab.
  await page.waitForSelector('svg.head-view line', { state: 'attached' });
  assert.deepEqual(await page.locator('#tabs button').allTextContents(), ['Attention explorer', 'Classify', 'Training dashboard']);
  await page.fill('[data-test=explorer-input]', 'win a free prize now');
  await page.click('[data-test=explorer-run]');
  await page.waitForFunction(() => document.querySelector('.status')!.textContent!.startsWith('clf: 5 tokens'));
  assert.equal(await page.locator('svg.head-view g.token').count(), 2 * 5, 'five words on both sides');
  const all = await lines(page);
  assert.ok(all > 0, 'lines are drawn');
  // One head only: fewer lines; hovering a token keeps only its lines.
  await page.dblclick('.head-chip[data-head="1"]');
  const one = await lines(page);
  assert.ok(one < all, `one head draws fewer lines (${one} < ${all})`);
  await page.hover('svg.head-view g.token[data-side=left][data-index="2"]');
  const followed = await lines(page);
  assert.ok(followed > 0 && followed <= 6, `one query's lines only (${followed})`);
  await page.screenshot({ path: join(shots, 'explorer-head-view.png'), fullPage: true });
  await page.mouse.move(5, 5);
  await page.click('.modes button[data-value=model]');
  assert.equal(await page.locator('canvas.thumb').count(), 1 * 2, 'one layer × two heads');
  await page.click('.modes button[data-value=heatmap]');
  await page.waitForSelector('.heatmap canvas');
  await page.click('.modes button[data-value=rollout]');
  await page.waitForSelector('.token-strip .tok');
  await page.screenshot({ path: join(shots, 'explorer-rollout.png'), fullPage: true });

  await page.click('#tabs button[data-tab=classify]');
  await page.click('[data-test=classify-run]');
  await page.waitForSelector('.bar-row');
  assert.equal(await page.locator('.bar-row').count(), 2);
  const shares = await page.locator('.bar-value').allTextContents();
  assert.ok(shares.every((s) => /%|e-/.test(s)), shares.join());
  await page.screenshot({ path: join(shots, 'classify.png'), fullPage: true });

  // The language model: explorer over two layers, then a streamed generation.
  await page.selectOption('#model-picker', 'lm');
  await page.waitForSelector('svg.head-view line', { state: 'attached' });
  assert.deepEqual(await page.locator('#tabs button').allTextContents(), ['Attention explorer', 'Generate', 'Training dashboard']);
  await page.hover('svg.head-view g.token[data-side=right][data-index="4"]'); // follow one key: who attends to 'c'
  await page.screenshot({ path: join(shots, 'explorer-lm-head-view.png') });
  await page.mouse.move(5, 5);
  await page.click('.layers button[data-value="0"]');
  assert.equal(await page.locator('.layers button.active').textContent(), '1');
  await page.click('.modes button[data-value=model]');
  assert.equal(await page.locator('canvas.thumb').count(), 2 * 2, 'two layers × two heads');
  await page.screenshot({ path: join(shots, 'explorer-model-view.png'), fullPage: true });
  await page.click('#tabs button[data-tab=generate]');
  await page.fill('[data-test=generate-input]', 'the cat ');
  await page.click('[data-test=generate-run]');
  await page.waitForSelector('.generation .tok.gen', { timeout: 20_000 });
  const generated = await page.locator('.generation .tok.gen').count();
  assert.ok(generated >= 1, 'generated tokens are shown');
  await page.hover('.generation .tok.gen >> nth=0');
  await page.waitForSelector('.tooltip .tt-table tr');
  assert.match((await page.locator('.tooltip .tt-title').textContent())!, /%|e-/);
  await page.screenshot({ path: join(shots, 'generate.png'), fullPage: true });

  // The dashboard: both runs, then lines appended while the page watches.
  await page.click('#tabs button[data-tab=dashboard]');
  await page.waitForSelector('.chart .uplot');
  assert.equal(await page.locator('.run-item').count(), 2);
  assert.equal(await page.locator('.chart .uplot').count(), 4, 'loss, accuracy, learning rate, tokens/s');
  appendFileSync(join(root, 'runs', 'run-b', 'log.jsonl'), Array.from({ length: 10 }, (_, i) => logLine(31 + i, 2)).join(''));
  await page.waitForFunction(() => [...document.querySelectorAll('.run-item')].some((n) => n.textContent!.includes('40 steps')), undefined, { timeout: 10_000 });
  await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });
  assert.deepEqual((page as unknown as { errors: string[] }).errors, [], 'no errors in the page');
});

test('attn attention --html: the standalone explorer renders from a file with no network', { timeout: 60_000 }, async () => {
  const file = join(root, 'export.html');
  const { standaloneExplorerHtml } = await import('../../src/serve/standalone.js');
  const res = await fetch(`${server.url}/v1/attention`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'lm', text: 'the dog sat' }) });
  writeFileSync(file, standaloneExplorerHtml(await res.json() as never));
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  let requests = 0;
  await context.route(/^https?:/, (route) => ((requests++), route.abort()));
  const p = await context.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(`file://${file}`);
  await p.waitForSelector('svg.head-view line', { state: 'attached' });
  assert.equal(await p.locator('svg.head-view g.token').count(), 2 * 11);
  await p.click('.modes button[data-value=model]');
  assert.equal(await p.locator('canvas.thumb').count(), 4);
  await p.screenshot({ path: join(shots, 'standalone.png'), fullPage: true });
  assert.equal(requests, 0, 'the exported file fetches nothing');
  assert.deepEqual(errors, []);
  await context.close();
});
