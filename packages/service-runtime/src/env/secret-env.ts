/** Variable names whose values are secrets: they are never printed, not even in error messages. */
const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Every string in `source` that must not be printed: secret variables and the password part of URLs. */
export function secretValuesOf(source: Readonly<Record<string, string>>): string[] {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(source)) {
    if (isSecretName(name)) secrets.add(value);
    if (!URL.canParse(value)) continue;
    const { password } = new URL(value);
    if (password === '') continue;
    secrets.add(password);
    secrets.add(safeDecode(password));
  }
  return [...secrets].filter((secret) => secret !== '');
}

/** Replaces every occurrence of a secret value in `text`, longest first so no tail of one survives. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  return [...secrets]
    .sort((a, b) => b.length - a.length)
    .reduce((scrubbed, secret) => scrubbed.replaceAll(secret, '[redacted]'), text);
}

function safeDecode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}
