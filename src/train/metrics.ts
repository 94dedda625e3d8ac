/** Classification metrics live with inference (`src/infer/metrics.ts`), which `attn eval` uses without the Trainer. */
export * from '../infer/metrics.js';
