import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProgressBar } from './progress-bar';

/** What every scenario gets from the run: where results go, and a progress bar on stderr. */
export class ScenarioContext {
  constructor(
    /** bench/results/ */
    readonly resultsDir: string,
    private readonly stderr: NodeJS.WriteStream,
  ) {}

  progress(label: string, total: number): ProgressBar {
    return new ProgressBar(this.stderr, label, total);
  }

  /** Writes a plot into the results folder; returns its file name for the report. */
  writePlot(file: string, svg: string): string {
    writeFileSync(join(this.resultsDir, file), svg);
    return file;
  }

  /** A line on stderr, for what the run is doing between progress bars. */
  say(line: string): void {
    this.stderr.write(`${line}\n`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
