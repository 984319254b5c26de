import { describe, expect, it } from '@jest/globals';
import { type APIEmbed } from 'discord-api-types/v10';
import fc from 'fast-check';
import { EMBED_LIMITS, embedLength, fitEmbed } from './embed-limits';
import {
  EMBED_COLORS,
  type NotificationMessage,
  paymentFailedEmbed,
  paymentSucceededEmbed,
  subscriptionCanceledEmbed,
  subscriptionCreatedEmbed,
} from './notification-embeds';
import { operationalAlertEmbed, type OperationalAlertKind } from './operational-alert-embed';

const USER_ID = '1330000000000000123';
const occurredAt = '2026-11-24T10:00:00.000Z';
const periodEnd = '2026-12-24T10:00:00Z';
const periodEndUnix = Date.parse(periodEnd) / 1000;

function embedOf(message: NotificationMessage): APIEmbed {
  expect(message.embeds).toHaveLength(1);
  return message.embeds[0]!;
}

function fieldValue(embed: APIEmbed, name: string): string | undefined {
  return embed.fields?.find((field) => field.name === name)?.value;
}

/** Every text of an embed Discord shows. */
function texts(embed: APIEmbed): string[] {
  return [
    embed.title ?? '',
    embed.description ?? '',
    embed.footer?.text ?? '',
    embed.author?.name ?? '',
    ...(embed.fields ?? []).flatMap((field) => [field.name, field.value]),
  ];
}

const codePoints = (text: string): number => [...text].length;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function expectWithinDiscordLimits(message: NotificationMessage): void {
  expect(message.allowedMentions).toEqual({ parse: [] });
  const embed = embedOf(message);
  const check = (text: string | undefined, max: number): void => {
    if (text === undefined) return;
    expect(text.length).toBeLessThanOrEqual(max);
    expect(LONE_SURROGATE.test(text)).toBe(false);
  };
  check(embed.title, EMBED_LIMITS.title);
  check(embed.description, EMBED_LIMITS.description);
  check(embed.footer?.text, EMBED_LIMITS.footerText);
  expect((embed.fields ?? []).length).toBeLessThanOrEqual(EMBED_LIMITS.fields);
  for (const field of embed.fields ?? []) {
    check(field.name, EMBED_LIMITS.fieldName);
    check(field.value, EMBED_LIMITS.fieldValue);
    expect(field.name.trim().length).toBeGreaterThan(0);
    expect(field.value.trim().length).toBeGreaterThan(0);
  }
  expect(embedLength(embed)).toBeLessThanOrEqual(EMBED_LIMITS.total);
  expect(texts(embed).reduce((sum, text) => sum + codePoints(text), 0)).toBeLessThanOrEqual(
    EMBED_LIMITS.total,
  );
  if (embed.timestamp !== undefined) expect(new Date(embed.timestamp).toISOString()).toBe(embed.timestamp);
  expect(embed.color).toBeGreaterThanOrEqual(0);
}

describe('notification embeds', () => {
  it('payment succeeded: green, customer mention, amount, offer, period end', () => {
    const embed = embedOf(
      paymentSucceededEmbed({
        offerName: 'VIP Monthly',
        amountInCents: 999,
        currency: 'EUR',
        customer: { discordUserId: USER_ID, email: 'alice@example.com' },
        occurredAt,
        periodEnd,
      }),
    );
    expect(embed).toEqual({
      title: 'Payment received: VIP Monthly',
      color: EMBED_COLORS.success,
      timestamp: occurredAt,
      fields: [
        { name: 'Customer', value: `<@${USER_ID}>`, inline: true },
        { name: 'Amount', value: '€9.99', inline: true },
        { name: 'Offer', value: 'VIP Monthly', inline: false },
        { name: 'Paid through', value: `<t:${periodEndUnix}:D>`, inline: true },
      ],
    });
  });

  it('payment failed: red, masked e-mail when not linked, JPY without decimals, the reason', () => {
    const embed = embedOf(
      paymentFailedEmbed({
        offerName: 'Pro',
        amountInCents: 1200,
        currency: 'JPY',
        locale: 'ja-JP',
        customer: { email: 'alice@example.com' },
        occurredAt: new Date(occurredAt),
        failureReason: 'Card declined (insufficient funds)',
      }),
    );
    expect(embed.color).toBe(EMBED_COLORS.failure);
    expect(embed.title).toBe('Payment failed: Pro');
    expect(fieldValue(embed, 'Customer')).toBe('a***@example.com');
    expect(fieldValue(embed, 'Amount')).toBe('￥1,200');
    expect(fieldValue(embed, 'Reason')).toBe('Card declined (insufficient funds)');
    expect(JSON.stringify(embed)).not.toContain('alice@');
  });

  it('subscription created: blue, price and renewal', () => {
    const embed = embedOf(
      subscriptionCreatedEmbed({
        offerName: 'VIP',
        amountInCents: 2500,
        currency: 'USD',
        customer: { discordUserId: USER_ID },
        occurredAt,
        periodEnd,
      }),
    );
    expect(embed.color).toBe(EMBED_COLORS.created);
    expect(fieldValue(embed, 'Price')).toBe('$25.00');
    expect(fieldValue(embed, 'Renews')).toBe(`<t:${periodEndUnix}:D>`);
  });

  it('subscription canceled: grey, access until period end or ended', () => {
    const atPeriodEnd = embedOf(
      subscriptionCanceledEmbed({
        offerName: 'VIP',
        customer: { discordUserId: USER_ID },
        occurredAt,
        periodEnd,
      }),
    );
    expect(atPeriodEnd.color).toBe(EMBED_COLORS.canceled);
    expect(fieldValue(atPeriodEnd, 'Access')).toBe(`Until <t:${periodEndUnix}:D>`);
    const immediately = embedOf(subscriptionCanceledEmbed({ offerName: 'VIP', customer: {}, occurredAt }));
    expect(fieldValue(immediately, 'Access')).toBe('Ended');
    expect(fieldValue(immediately, 'Customer')).toBe('Unknown customer');
  });

  it('ignores a Discord id that is not a snowflake and an invalid date', () => {
    const embed = embedOf(
      paymentSucceededEmbed({
        offerName: 'VIP',
        amountInCents: 1,
        currency: 'EUR',
        customer: { discordUserId: '<@&123> @everyone', email: 'bob@example.org' },
        occurredAt: 'yesterday',
        periodEnd: 'soon',
      }),
    );
    expect(fieldValue(embed, 'Customer')).toBe('b***@example.org');
    expect(embed.timestamp).toBeUndefined();
    expect(fieldValue(embed, 'Paid through')).toBeUndefined();
  });

  it('masks addresses that free text quotes', () => {
    const embed = embedOf(
      paymentFailedEmbed({
        offerName: 'Plan for carol@example.com',
        amountInCents: 100,
        currency: 'EUR',
        customer: { discordUserId: USER_ID },
        occurredAt,
        failureReason: 'Issuer refused: contact dave@bank.example',
      }),
    );
    expect(JSON.stringify(embed)).not.toMatch(/carol@|dave@/);
    expect(fieldValue(embed, 'Reason')).toBe('Issuer refused: contact d***@bank.example');
  });
});

describe('operationalAlertEmbed', () => {
  it('is amber with the title of its kind, the summary, the fix and a reference', () => {
    const embed = embedOf(
      operationalAlertEmbed('role_hierarchy', {
        summary: 'VIP could not be granted to 3 members.',
        fix: `Move the bot's role "Inflow" above "VIP" in Server Settings > Roles.`,
        roleName: 'VIP',
        affected: 3,
        occurredAt,
        reference: '50013',
      }),
    );
    expect(embed).toEqual({
      title: "Action needed: the bot's role is below a subscription role",
      description: 'VIP could not be granted to 3 members.',
      color: EMBED_COLORS.alert,
      timestamp: occurredAt,
      footer: { text: 'Reference: 50013' },
      fields: [
        { name: 'How to fix', value: `Move the bot's role "Inflow" above "VIP" in Server Settings > Roles.` },
        { name: 'Role', value: 'VIP', inline: true },
        { name: 'Affected', value: '3', inline: true },
      ],
    });
  });
});

describe('fitEmbed', () => {
  it('cuts each text to its limit with an ellipsis, keeps 25 fields and fills blank ones', () => {
    const embed = fitEmbed({
      title: 't'.repeat(300),
      description: 'd'.repeat(5000),
      fields: Array.from({ length: 30 }, (_, index) => ({
        name: index === 0 ? ' ' : 'n',
        value: index === 1 ? '' : 'v',
      })),
    });
    expect(embed.title).toHaveLength(256);
    expect(embed.title?.endsWith('…')).toBe(true);
    expect(embed.fields).toHaveLength(25);
    expect(embed.fields?.[0]?.name).toBe('—');
    expect(embed.fields?.[1]?.value).toBe('—');
    expect(embedLength(embed)).toBeLessThanOrEqual(6000);
  });

  it('shortens the longest texts first to keep the total within 6000', () => {
    const embed = fitEmbed({
      title: 'Short title',
      description: 'd'.repeat(4096),
      fields: Array.from({ length: 5 }, () => ({ name: 'Name', value: 'v'.repeat(1024) })),
    });
    expect(embedLength(embed)).toBe(6000);
    expect(embed.title).toBe('Short title');
    expect(embed.fields?.every((field) => field.name === 'Name')).toBe(true);
  });
});

describe('every embed, whatever the input', () => {
  // Long texts are repeated short ones: generating thousands of random characters per run is slow.
  const long = (unit: 'binary' | 'grapheme', times: number) =>
    fc
      .tuple(fc.string({ unit, minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: times }))
      .map(([piece, count]) => piece.repeat(count));
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    long('grapheme', 200),
    long('binary', 700),
    fc.emailAddress(),
  );
  const email = fc.emailAddress().filter((address) => !/^\*+@/.test(address));
  const customer = fc.record(
    {
      discordUserId: fc.option(fc.oneof(fc.bigInt({ min: 10n ** 16n, max: 10n ** 19n }).map(String), text)),
      email: fc.option(email),
    },
    { requiredKeys: [] },
  );
  const date = fc.oneof(
    fc.date({ noInvalidDate: false }),
    fc.string(),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  );
  const base = fc.record({
    offerName: text,
    customer,
    occurredAt: date,
    locale: fc.constantFrom('en-US', 'de-DE', 'ja-JP', 'ar-EG', 'xx-invalid-??'),
    amountInCents: fc.oneof(fc.integer(), fc.maxSafeInteger()),
    currency: fc.oneof(fc.constantFrom('EUR', 'USD', 'JPY', 'BHD', 'KWD'), fc.string({ maxLength: 5 })),
    failureReason: fc.option(text),
    periodEnd: fc.option(date),
    // An address the free text may quote.
    quoted: email,
  });
  const alertKind = fc.constantFrom<OperationalAlertKind>(
    'missing_permissions',
    'role_hierarchy',
    'unknown_role',
    'missing_access',
    'channel_unavailable',
    'bot_removed',
    'role_sync_failing',
    'notifications_failing',
  );

  it('stays within every Discord limit, pings nobody and shows no e-mail address in clear', () => {
    fc.assert(
      fc.property(base, alertKind, (input, kind) => {
        const withQuote = { ...input, offerName: `${input.offerName} ${input.quoted}` };
        const messages = [
          paymentSucceededEmbed(withQuote),
          paymentFailedEmbed({ ...withQuote, failureReason: `${input.failureReason ?? ''} ${input.quoted}` }),
          subscriptionCreatedEmbed(withQuote),
          subscriptionCanceledEmbed(withQuote),
          operationalAlertEmbed(kind, {
            summary: `${input.offerName} ${input.quoted}`,
            fix: input.failureReason,
            offerName: input.offerName,
            roleName: input.quoted,
            channelName: input.offerName,
            reference: input.quoted,
            occurredAt: input.occurredAt,
          }),
        ];
        const secrets = [input.quoted, ...(input.customer.email ? [input.customer.email] : [])];
        for (const message of messages) {
          expectWithinDiscordLimits(message);
          for (const shown of texts(embedOf(message)))
            for (const secret of secrets) expect(shown).not.toContain(secret);
        }
      }),
      { numRuns: 150 },
    );
  }, 30_000);
});
