import { type APIEmbed, type APIEmbedField } from 'discord-api-types/v10';
import { truncate, wellFormed } from '../text/truncate';

/** Discord's embed limits (characters). */
export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  /** Title, description, field names and values, footer text and author name of all embeds together. */
  total: 6000,
} as const;

// Discord rejects empty (and blank) field names and values.
const BLANK_PLACEHOLDER = '—';

/** The characters of an embed that count towards Discord's 6000 total (UTF-16 units, never fewer than code points). */
export function embedLength(embed: APIEmbed): number {
  let total = (embed.title?.length ?? 0) + (embed.description?.length ?? 0);
  for (const field of embed.fields ?? []) total += field.name.length + field.value.length;
  return total + (embed.footer?.text.length ?? 0) + (embed.author?.name.length ?? 0);
}

function text(value: string, max: number): string {
  return truncate(wellFormed(value), max);
}

function nonBlank(value: string, max: number): string {
  const clean = text(value, max);
  return clean.trim().length === 0 ? BLANK_PLACEHOLDER : clean;
}

/** A text slot of the embed that may be shortened to bring the total under the limit. */
interface Slot {
  get(): string;
  set(value: string): void;
}

/**
 * The embed cut to fit every Discord limit whatever its input: each text to its own maximum (with an
 * ellipsis), at most 25 fields, no blank field, unpaired surrogates replaced, and then the longest
 * texts shortened until the whole stays within 6000 characters.
 */
export function fitEmbed(embed: APIEmbed): APIEmbed {
  const fitted: APIEmbed = { ...embed };
  if (embed.title !== undefined) fitted.title = text(embed.title, EMBED_LIMITS.title);
  if (embed.description !== undefined) fitted.description = text(embed.description, EMBED_LIMITS.description);
  if (embed.footer !== undefined)
    fitted.footer = { ...embed.footer, text: nonBlank(embed.footer.text, EMBED_LIMITS.footerText) };
  if (embed.author !== undefined)
    fitted.author = { ...embed.author, name: nonBlank(embed.author.name, EMBED_LIMITS.authorName) };
  if (embed.fields !== undefined) {
    fitted.fields = embed.fields.slice(0, EMBED_LIMITS.fields).map((field): APIEmbedField => ({
      ...field,
      name: nonBlank(field.name, EMBED_LIMITS.fieldName),
      value: nonBlank(field.value, EMBED_LIMITS.fieldValue),
    }));
  }

  const slots: Slot[] = [];
  if (fitted.description !== undefined)
    slots.push({ get: () => fitted.description ?? '', set: (value) => (fitted.description = value) });
  for (const field of fitted.fields ?? []) {
    slots.push({ get: () => field.value, set: (value) => (field.value = value) });
    slots.push({ get: () => field.name, set: (value) => (field.name = value) });
  }
  if (fitted.title !== undefined)
    slots.push({ get: () => fitted.title ?? '', set: (value) => (fitted.title = value) });
  const footer = fitted.footer;
  if (footer) slots.push({ get: () => footer.text, set: (value) => (footer.text = value) });
  const author = fitted.author;
  if (author) slots.push({ get: () => author.name, set: (value) => (author.name = value) });

  // Shorten the longest text first: it carries the least information per character.
  for (
    let excess = embedLength(fitted) - EMBED_LIMITS.total;
    excess > 0;
    excess = embedLength(fitted) - EMBED_LIMITS.total
  ) {
    const longest = slots.reduce((best, slot) => (slot.get().length > best.get().length ? slot : best));
    const current = longest.get();
    longest.set(truncate(current, Math.max(1, current.length - excess)));
  }
  return fitted;
}
