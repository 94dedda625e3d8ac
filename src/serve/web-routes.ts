/**
 * The web page's routes: `GET /` (the page, built by `npm run build` into dist/web from web/),
 * `GET /web/:file` (its scripts and style), `GET /web/vendor/uplot.*` (uPlot from the installed
 * package: no CDN), and the training dashboard's `GET /v1/runs` and `GET /v1/runs/:name/log`.
 *
 * Runs are the folders under `--runs` holding a `log.jsonl` (and the folder itself if it holds
 * one). A run is looked up by name in that listing, never joined onto a path, so `..`, slashes
 * or encoded separators in a name can only miss (404).
 *
 * ```ts
 * registerWebRoutes(app, { runsDir: 'runs' });
 * ```
 */
import type { FastifyInstance } from 'fastify';
import { basename, closeFile, dirname, exists, fileUrlToPath, joinPath, listDir, openFile, readFileAt, readText, resolvePackage, resolvePath, stat } from '../platform/index.js';
import { ApiError } from './model-worker.js';

/** Where `npm run build` puts the page: dist/web beside dist/serve, or under the package root from src/. */
export function webAssetsDir(): string {
  const here = dirname(fileUrlToPath(import.meta.url));
  const built = resolvePath(here, '..', 'web'); // dist/serve → dist/web
  return exists(joinPath(built, 'index.html')) ? built : resolvePath(here, '..', '..', 'dist', 'web'); // src/serve → dist/web
}

/** The page's files, in the order the page loads its scripts (`web/index.html` lists the same). */
export const WEB_SCRIPTS = ['util.js', 'draw.js', 'explorer.js', 'classify.js', 'generate.js', 'dashboard.js', 'main.js'] as const;
const WEB_FILES: Record<string, string> = { 'style.css': 'text/css; charset=utf-8', ...Object.fromEntries(WEB_SCRIPTS.map((f) => [f, 'text/javascript; charset=utf-8'])) };

/** One run folder of the dashboard. */
export interface RunEntry {
  name: string;
  dir: string;
}

/** The runs under `root`: each subfolder with a log.jsonl (and `root` itself, named after it, if it has one). */
export function listRuns(root: string): RunEntry[] {
  const runs: RunEntry[] = [];
  if (exists(joinPath(root, 'log.jsonl'))) runs.push({ name: basename(resolvePath(root)), dir: root });
  for (const name of listDir(root).sort()) {
    const dir = joinPath(root, name);
    if (name.startsWith('.') || !stat(dir).isDirectory()) continue;
    if (exists(joinPath(dir, 'log.jsonl'))) runs.push({ name, dir });
  }
  return runs;
}

/**
 * The complete lines of `file` from byte `offset` on, parsed (lines that are not JSON objects are
 * skipped), and the offset to ask from next time. A line still being written (no newline yet) is
 * left for the next read.
 */
export function readLogFrom(file: string, offset: number): { records: Record<string, unknown>[]; next: number } {
  const size = stat(file).size;
  if (offset >= size) return { records: [], next: offset > size ? 0 : size }; // smaller: the log was cut back (a resume)
  const buffer = new Uint8Array(Math.min(size - offset, 16 * 1024 * 1024));
  const fd = openFile(file, 'r');
  let read = 0;
  try {
    read = readFileAt(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeFile(fd);
  }
  const lastNewline = buffer.subarray(0, read).lastIndexOf(10);
  if (lastNewline < 0) return { records: [], next: offset };
  const text = new TextDecoder().decode(buffer.subarray(0, lastNewline));
  const records: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) records.push(value as Record<string, unknown>);
    } catch {
      // a torn or foreign line: skipped
    }
  }
  return { records, next: offset + lastNewline + 1 };
}

export function registerWebRoutes(app: FastifyInstance, options: { runsDir: string | null }): void {
  const dir = webAssetsDir();
  const page = (): string | null => (exists(joinPath(dir, 'index.html')) ? readText(joinPath(dir, 'index.html')) : null);

  app.get('/', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    const html = page();
    if (html === null) return `<!doctype html><meta charset="utf-8"><title>attn serve</title><p>The web page is not built: run <code>npm run build</code> (it writes ${dir}). The API works without it.</p>`;
    return html;
  });

  app.get<{ Params: { file: string } }>('/web/:file', async (request, reply) => {
    const type = WEB_FILES[request.params.file];
    const file = joinPath(dir, request.params.file);
    if (!type || !exists(file)) throw new ApiError(404, 'not_found_error', `no file /web/${request.params.file}`);
    reply.type(type).header('cache-control', 'no-cache');
    return readText(file);
  });

  const uplot = dirname(resolvePackage('uplot'));
  const vendor: Record<string, [string, string]> = { 'uplot.js': ['uPlot.iife.min.js', 'text/javascript; charset=utf-8'], 'uplot.css': ['uPlot.min.css', 'text/css; charset=utf-8'] };
  app.get<{ Params: { file: string } }>('/web/vendor/:file', async (request, reply) => {
    const entry = vendor[request.params.file];
    if (!entry) throw new ApiError(404, 'not_found_error', `no file /web/vendor/${request.params.file}`);
    reply.type(entry[1]).header('cache-control', 'max-age=3600');
    return readText(joinPath(uplot, entry[0]));
  });

  const runsDir = options.runsDir;
  const runs = (): RunEntry[] => (runsDir ? listRuns(runsDir) : []);
  app.get('/v1/runs', async () => ({
    object: 'list',
    served: runsDir !== null,
    data: runs().map((r) => ({ name: r.name, log_bytes: stat(joinPath(r.dir, 'log.jsonl')).size })),
  }));
  app.get<{ Params: { name: string }; Querystring: { offset?: string } }>('/v1/runs/:name/log', async (request) => {
    if (!runsDir) throw new ApiError(404, 'not_found_error', 'no runs are served (start attn serve with --runs DIR)');
    const run = runs().find((r) => r.name === request.params.name);
    if (!run) throw new ApiError(404, 'not_found_error', `no run '${request.params.name}' under ${runsDir}`);
    const raw = request.query.offset ?? '0';
    if (!/^\d+$/.test(raw)) throw new ApiError(400, 'invalid_request_error', `offset must be a byte offset (a non-negative integer), got '${raw}'`);
    const { records, next } = readLogFrom(joinPath(run.dir, 'log.jsonl'), Number(raw));
    return { name: run.name, offset: Number(raw), next, records };
  });
}
