/** `attn serve`: the HTTP server, its model worker, batching and metrics. */
export { startServer } from './server.js';
export { ListenError } from './http-errors.js';
export type { ListenErrorCode } from './http-errors.js';
export type { ServeOptions, RunningServer } from './server.js';
export { ApiError } from './model-worker.js';
export { Metrics, Counter, Gauge, Histogram } from './metrics.js';
export type { ModelSpec, ModelInfo } from './protocol.js';
export { standaloneExplorerHtml, PageNotBuiltError } from './standalone.js';
export { listRuns, readLogFrom } from './web-routes.js';
