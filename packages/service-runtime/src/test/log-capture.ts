/** A pino destination that keeps every line, for asserting on what a logger wrote. */
export interface LogCapture {
  destination: { write(line: string): void };
  /** Everything written, as one string, for "never appears" assertions. */
  text(): string;
  /** Each line parsed as JSON. */
  records(): Record<string, unknown>[];
}

export function captureLogs(): LogCapture {
  const lines: string[] = [];
  return {
    destination: { write: (line) => void lines.push(line) },
    text: () => lines.join(''),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
