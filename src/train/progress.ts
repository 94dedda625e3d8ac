/**
 * Training progress on stderr: a live bar (epoch, step, loss, tokens/s, ETA) when stderr is a
 * terminal, one plain line every few seconds otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';
import { stderr, type OutputStream } from '../platform/index.js';

export interface ProgressState {
  /** Shown before the epoch, e.g. 'pretraining'; '' for none. */
  phase?: string;
  epoch: number;
  /** null for a stream trained by steps (a language model): no epoch is shown. */
  epochs: number | null;
  step: number;
  totalSteps: number;
  loss: number;
  tokensPerSecond: number;
}

export class TrainingProgress {
  private bar: cliProgress.SingleBar | null = null;
  /** False after a message stopped the bar, until the next update draws it again. */
  private barShown = false;
  private lastLine = 0;
  private readonly startedAt = Date.now();
  private startStep = 0;

  constructor(
    private readonly enabled: boolean,
    private readonly stream: OutputStream = stderr(),
  ) {}

  start(state: ProgressState): void {
    if (!this.enabled) return;
    this.startStep = state.step;
    if (this.stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          // cli-progress types its stream as Node's; it uses only write, isTTY and columns.
          stream: this.stream as never,
          format: '{phaseLabel}{epochLabel}|{bar}| step {value}/{total} | loss {lossLabel} | {tps} tok/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(state.totalSteps, state.step, this.payload(state));
      this.barShown = true;
    }
  }

  update(state: ProgressState): void {
    if (!this.enabled) return;
    if (this.bar) {
      // A message stopped the bar (cli-progress cannot print above a live bar): start it again.
      if (!this.barShown) {
        this.bar.start(state.totalSteps, state.step, this.payload(state));
        this.barShown = true;
      }
      this.bar.update(state.step, this.payload(state));
      return;
    }
    const now = Date.now();
    if (now - this.lastLine < 5000 && state.step !== state.totalSteps) return;
    this.lastLine = now;
    const done = state.step - this.startStep;
    const rate = done / Math.max(1e-3, (now - this.startedAt) / 1000);
    const eta = rate > 0 ? Math.round((state.totalSteps - state.step) / rate) : NaN;
    const p = this.payload(state);
    this.stream.write(`${p.phaseLabel}${p.epochLabel}step ${state.step}/${state.totalSteps} loss ${p.lossLabel} ${p.tps} tok/s ETA ${Number.isFinite(eta) ? `${eta}s` : '?'}\n`);
  }

  /** Prints a message above the bar; the bar is drawn again below it at the next update. */
  log(message: string): void {
    if (this.bar && this.barShown) {
      this.bar.stop();
      this.barShown = false;
    }
    this.stream.write(`${message}\n`);
  }

  stop(): void {
    if (this.barShown) this.bar?.stop();
    this.barShown = false;
    this.bar = null;
  }

  private payload(s: ProgressState) {
    return { phaseLabel: s.phase ? `${s.phase} ` : '', epochLabel: s.epochs === null ? '' : `epoch ${s.epoch}/${s.epochs} `, lossLabel: Number.isFinite(s.loss) ? s.loss.toFixed(4) : '-', tps: Math.round(s.tokensPerSecond) };
  }
}
