// Screenshots of attn serve's page from a real run, for the docs:
//   node --import tsx tools/screenshot-page.ts --model runs/lm [--runs runs/] [--text "..."] [--out docs/images/explorer.png]
// Starts the server on 127.0.0.1 (any free port), opens the page in Debian's Chromium through
// playwright-core, runs the text in the explorer, shows --view (head: hovering token --hover;
// model, heatmap, rollout) of --layer, and saves the screenshot; with
// --runs also <out>-dashboard.png.
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startServer } from '../src/serve/index.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, runs: { type: 'string' }, text: { type: 'string', default: 'Call me Ishmael. Some years ago, never mind how long' }, out: { type: 'string', default: 'docs/images/explorer.png' }, hover: { type: 'string', default: '8' }, view: { type: 'string', default: 'head' }, layer: { type: 'string' } } });
if (!values.model) throw new Error('--model DIR is required');
const server = await startServer({ models: [{ name: values.model.replace(/\/+$/, '').split('/').pop()!, dir: values.model }], port: 0, runsDir: values.runs ?? null });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(server.url);
  await page.waitForSelector('svg.head-view line', { state: 'attached' });
  await page.fill('[data-test=explorer-input]', values.text);
  await page.click('[data-test=explorer-run]');
  await page.waitForFunction(() => / tokens, /.test(document.querySelector('.status')?.textContent ?? '') && !document.querySelector('.status')!.textContent!.startsWith('Running'));
  if (values.layer) await page.click(`.layers button[data-value="${Number(values.layer) - 1}"]`);
  if (values.view !== 'head') await page.click(`.modes button[data-value=${values.view}]`);
  else await page.hover(`svg.head-view g.token[data-side=left][data-index="${values.hover}"]`);
  await page.screenshot({ path: values.out });
  console.log(`wrote ${values.out}`);
  if (values.runs) {
    await page.mouse.move(5, 5);
    await page.click('#tabs button[data-tab=dashboard]');
    await page.waitForSelector('.chart .uplot');
    await page.waitForTimeout(500);
    const out = values.out.replace(/\.png$/, '-dashboard.png');
    await page.screenshot({ path: out });
    console.log(`wrote ${out}`);
  }
} finally {
  await browser.close();
  await server.close();
}
