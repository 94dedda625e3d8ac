// Builds the page of `attn serve` (web/) into dist/web: its TypeScript scripts with tsc, its
// HTML and CSS copied. `npm run build` runs it; the browser and page tests run it first.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
mkdirSync(out, { recursive: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'web', 'tsconfig.json')], { stdio: 'inherit' });
for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'web', f), join(out, f));
