/**
 * Ctrl-C (SIGINT) and SIGTERM during training: both ask the run to save a checkpoint and stop
 * after the current step, so `kill` and a container stop keep the work as Ctrl-C does.
 *
 * ```ts
 * const listener = onStopSignal(() => trainer.requestStop());
 * try { … } finally { listener.dispose(); }
 * ```
 */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function onStopSignal(handler: () => void): { dispose(): void } {
  if (typeof process === 'undefined' || typeof process.on !== 'function') return { dispose: () => {} };
  for (const s of SIGNALS) process.on(s, handler);
  return { dispose: () => SIGNALS.forEach((s) => process.off(s, handler)) };
}
