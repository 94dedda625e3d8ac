/**
 * The attention explorer as one standalone HTML file (as bertviz exports): the page's style and
 * scripts from dist/web inlined with one text's `AttentionView`, no server and no network needed.
 * `attn attention --html` writes it.
 *
 * ```ts
 * const html = standaloneExplorerHtml({ model: 'spam', ...classifierAttention(clf, 'free money') });
 * ```
 */
import { exists, joinPath, readText } from '../platform/index.js';
import type { AttentionView } from '../infer/attention-maps.js';
import { WEB_SCRIPTS, webAssetsDir } from './web-routes.js';

/** Raised when dist/web is missing (run `npm run build`). */
export class PageNotBuiltError extends Error {
  override name = 'PageNotBuiltError';
}

/** JSON that is safe inside a <script> element (no `</script>`, no U+2028/2029 line breaks). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function standaloneExplorerHtml(view: AttentionView & { model: string }): string {
  const dir = webAssetsDir();
  const missing = ['style.css', ...WEB_SCRIPTS].filter((f) => !exists(joinPath(dir, f)));
  if (missing.length > 0) throw new PageNotBuiltError(`the page is not built (${joinPath(dir, missing[0]!)} is missing): run npm run build`);
  // The scripts share one global scope as classic scripts do; `</script` cannot occur in them unescaped.
  const scripts = WEB_SCRIPTS.map((f) => readText(joinPath(dir, f)).replace(/<\/script/gi, '<\\/script')).join('\n;\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>attn · ${escapeHtml(view.model)} · attention</title>
<style>
${readText(joinPath(dir, 'style.css'))}
</style>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo">attn</span><span class="subtitle">attention explorer · exported</span></div>
  <nav id="tabs" class="tabs"></nav>
  <label class="picker">model <select id="model-picker"></select></label>
</header>
<main id="main"></main>
<script>window.ATTN_EXPORT = { view: ${scriptJson(view)} };</script>
<script>
${scripts}
</script>
</body>
</html>
`;
}
