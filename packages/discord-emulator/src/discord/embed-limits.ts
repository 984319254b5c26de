import { type FormErrors } from './form-errors';

/** Discord's documented cap on the combined text of all embeds of one message. */
const MAX_EMBED_TOTAL_CHARACTERS = 6000;
/** Message content cap for bots (the OpenAPI schema allows 4000, which only Nitro users get). */
const MAX_CONTENT_CHARACTERS = 2000;

/** The embed fields that count towards the 6000-character total; everything else is ignored. */
export interface EmbedText {
  title?: string | null;
  description?: string | null;
  fields?: readonly { name?: string | null; value?: string | null }[] | null;
  footer?: { text?: string | null } | null;
  author?: { name?: string | null } | null;
}

// Discord counts characters, not UTF-16 units, like JSON Schema's maxLength.
function characters(text: string | null | undefined): number {
  return text ? [...text].length : 0;
}

/** Characters of one embed that Discord adds up: title, description, field names and values, footer text, author name. */
export function embedCharacterCount(embed: EmbedText): number {
  let total = characters(embed.title) + characters(embed.description);
  for (const field of embed.fields ?? []) total += characters(field.name) + characters(field.value);
  return total + characters(embed.footer?.text) + characters(embed.author?.name);
}

/**
 * The checks JSON Schema cannot express: the 6000-character total across embeds, non-empty field names
 * and values, and the bot content cap. Per-field maxima come from the OpenAPI schema.
 */
export function checkMessageLimits(
  body: { content?: string | null; embeds?: readonly EmbedText[] | null },
  errors: FormErrors,
): void {
  if (characters(body.content) > MAX_CONTENT_CHARACTERS) {
    errors.add(['content'], {
      code: 'BASE_TYPE_MAX_LENGTH',
      message: `Must be ${MAX_CONTENT_CHARACTERS} or fewer in length.`,
    });
  }
  const embeds = body.embeds ?? [];
  embeds.forEach((embed, embedIndex) => {
    (embed.fields ?? []).forEach((field, fieldIndex) => {
      for (const key of ['name', 'value'] as const) {
        if (characters(field[key]) === 0) {
          errors.add(['embeds', embedIndex, 'fields', fieldIndex, key], {
            code: 'BASE_TYPE_REQUIRED',
            message: 'This field is required',
          });
        }
      }
    });
  });
  const total = embeds.reduce((sum, embed) => sum + embedCharacterCount(embed), 0);
  if (total > MAX_EMBED_TOTAL_CHARACTERS) {
    errors.add(['embeds'], {
      code: 'MAX_EMBED_SIZE_EXCEEDED',
      message: `Embed size exceeds maximum size of ${MAX_EMBED_TOTAL_CHARACTERS}`,
    });
  }
}
