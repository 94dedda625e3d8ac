// Builds the page of `attn serve` (web/) into dist/web: its TypeScript scripts with tsc, its
// HTML and CSS copied. `npm run build` runs it; the page's tests run it first. Files are built in
// a temporary folder and renamed into place, so a server reading dist/web while another test
// rebuilds it never reads a half-written file.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
mkdirSync(out, { recursive: true });
const staging = mkdtempSync(join(root, 'dist', '.web-'));
try {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'web', 'tsconfig.json'), '--outDir', staging], { stdio: 'inherit' });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'web', f), join(staging, f));
  for (const f of readdirSync(staging)) renameSync(join(staging, f), join(out, f));
} finally {
  rmSync(staging, { recursive: true, force: true });
}
