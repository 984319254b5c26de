/** What a progress line shows. */
export interface ProgressState {
  label: string;
  done: number;
  total: number;
  elapsedMs: number;
  detail?: string;
}

/** `label [██████░░░░] 60% 1800/3000 12.3 s detail` */
export function renderProgress(state: ProgressState, width = 24): string {
  const fraction = state.total > 0 ? Math.min(1, Math.max(0, state.done / state.total)) : 0;
  const filled = Math.round(fraction * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const detail = state.detail === undefined || state.detail === '' ? '' : `  ${state.detail}`;
  return `${state.label} [${bar}] ${percent} ${state.done}/${state.total} ${(state.elapsedMs / 1000).toFixed(1)} s${detail}`;
}

/** Where progress goes: stderr, so stdout carries only the result lines. */
export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/**
 * A one-line progress bar. On a terminal it redraws in place (at most every 100 ms); elsewhere (CI
 * logs, pipes) it prints a line every few seconds so that the log shows the run is alive.
 */
export class ProgressBar {
  private readonly startedAt: number;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private lastLength = 0;
  private finished = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
    private total: number,
    private readonly clock: () => number = Date.now,
    private readonly plainEveryMs = 5_000,
  ) {
    this.startedAt = clock();
  }

  update(done: number, detail?: string, total?: number): void {
    if (this.finished) return;
    if (total !== undefined) this.total = total;
    const now = this.clock();
    const every = this.sink.isTTY === true ? 100 : this.plainEveryMs;
    if (now - this.lastDrawAt < every) return;
    this.lastDrawAt = now;
    this.draw(done, detail, false);
  }

  /** Draws the final state and ends the line. */
  finish(done: number, detail?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.draw(done, detail, true);
  }

  private draw(done: number, detail: string | undefined, final: boolean): void {
    const line = renderProgress({
      label: this.label,
      done,
      total: this.total,
      elapsedMs: this.clock() - this.startedAt,
      ...(detail === undefined ? {} : { detail }),
    });
    if (this.sink.isTTY === true) {
      const clipped = this.sink.columns === undefined ? line : line.slice(0, this.sink.columns - 1);
      const pad = ' '.repeat(Math.max(0, this.lastLength - clipped.length));
      this.lastLength = clipped.length;
      this.sink.write(`\r${clipped}${pad}${final ? '\n' : ''}`);
    } else {
      this.sink.write(`${line}\n`);
    }
  }
}
