import { describe, expect, it } from '@jest/globals';
import { DiscordError } from './discord-error';
import { checkMessageLimits, embedCharacterCount } from './embed-limits';
import { FormErrors } from './form-errors';
import { RequestValidator } from './request-validator';

const validator = new RequestValidator();

function validationError(
  name: 'MessageCreateRequest' | 'BotAddGuildMemberRequest',
  body: unknown,
): DiscordError {
  try {
    validator.validate(name, body);
  } catch (error) {
    if (error instanceof DiscordError) return error;
    throw error;
  }
  throw new Error('expected a validation error');
}

function limits(body: Parameters<typeof checkMessageLimits>[0]): unknown {
  const errors = new FormErrors();
  checkMessageLimits(body, errors);
  return errors.isEmpty ? undefined : errors.toTree();
}

describe('message body validation (OpenAPI schema)', () => {
  it('accepts a realistic notification', () => {
    const body = {
      embeds: [
        {
          title: 'Payment received',
          description: 'Alice paid 9.99 EUR',
          color: 0x2ecc71,
          fields: [{ name: 'Plan', value: 'VIP', inline: true }],
          footer: { text: 'Inflow' },
          timestamp: '2026-11-24T10:00:00.000Z',
        },
      ],
    };
    expect(validator.validate('MessageCreateRequest', body)).toBe(body);
  });

  it('reports per-field maxima at their path, like Discord', () => {
    const error = validationError('MessageCreateRequest', {
      embeds: [{ title: 't'.repeat(257), fields: [{ name: 'n', value: 'v'.repeat(1025) }] }],
    });
    expect(error.status).toBe(400);
    expect(error.code).toBe(50035);
    expect(error.toBody()).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      errors: {
        embeds: {
          '0': {
            title: {
              _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' }],
            },
            fields: {
              '0': {
                value: {
                  _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 1024 or fewer in length.' }],
                },
              },
            },
          },
        },
      },
    });
  });

  it('limits embeds to 10, fields to 25 and checks footer, author and description', () => {
    const tooMany = validationError('MessageCreateRequest', {
      embeds: Array.from({ length: 11 }, () => ({ title: 'x' })),
    });
    expect(tooMany.errors).toEqual({
      embeds: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 10 or fewer in length.' }] },
    });
    const error = validationError('MessageCreateRequest', {
      embeds: [
        {
          description: 'd'.repeat(4097),
          footer: { text: 'f'.repeat(2049) },
          author: { name: 'a'.repeat(257) },
          fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })),
        },
      ],
    });
    const embed = (error.errors?.embeds as Record<string, Record<string, unknown>>)['0'];
    expect(Object.keys(embed ?? {}).sort()).toEqual(['author', 'description', 'fields', 'footer']);
  });

  it('reports wrong types and missing required fields', () => {
    const error = validationError('BotAddGuildMemberRequest', { roles: 'nope' });
    expect(error.errors).toEqual({
      access_token: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] },
      roles: {
        _errors: [{ code: 'LIST_TYPE_CONVERT', message: 'Only iterables may be used in a ListType' }],
      },
    });
    const badRole = validationError('BotAddGuildMemberRequest', { access_token: 'x', roles: ['abc'] });
    expect(badRole.errors).toEqual({
      roles: { '0': { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value "abc" is not snowflake.' }] } },
    });
  });
});

describe('message limits beyond the schema', () => {
  it('counts title, description, field names and values, footer text and author name', () => {
    expect(
      embedCharacterCount({
        title: 'ab',
        description: 'cde',
        fields: [{ name: 'f', value: 'gh' }],
        footer: { text: 'i' },
        author: { name: 'jk' },
      }),
    ).toBe(11);
    // Characters, not UTF-16 units.
    expect(embedCharacterCount({ title: '😀😀' })).toBe(2);
  });

  it('rejects more than 6000 characters across all embeds, but accepts exactly 6000', () => {
    const at = (n: number) => [{ description: 'x'.repeat(3000) }, { description: 'y'.repeat(n - 3000) }];
    expect(limits({ embeds: at(6000) })).toBeUndefined();
    expect(limits({ embeds: at(6001) })).toEqual({
      embeds: {
        _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }],
      },
    });
  });

  it('requires non-empty field names and values and caps bot content at 2000', () => {
    expect(limits({ content: 'c'.repeat(2001), embeds: [{ fields: [{ name: '', value: 'v' }] }] })).toEqual({
      content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      embeds: {
        '0': {
          fields: {
            '0': { name: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] } },
          },
        },
      },
    });
  });
});
