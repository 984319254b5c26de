const MAX_LENGTH = 200;

/**
 * One short line describing a failure, for /readyz bodies and plain stderr lines. Falls back to the
 * error code or name because node's dual-stack connect failures arrive as an AggregateError whose
 * message is empty but whose code says ECONNREFUSED.
 */
export function errorSummary(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'string' ? truncate(error) : 'failed';
  const firstLine = error.message.split('\n', 1)[0]?.trim() ?? '';
  if (firstLine !== '') return truncate(firstLine);
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : error.name;
}

function truncate(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
