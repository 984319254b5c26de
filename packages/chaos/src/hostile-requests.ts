import { randomBytes } from 'node:crypto';
import type { ApiCall } from './api-client';
import { pick, type Random } from './seeded-random';

/** What the generator knows of the merchant it attacks with (and without) its own key. */
export interface HostileContext {
  apiKey: string;
  offerId: string;
  guildId: string;
  roleId: string;
  customerId: string;
}

/** A request meant to be refused, with the family it belongs to for the report. */
export interface HostileRequest extends ApiCall {
  family: string;
}

/** Strings that have broken parsers, queries, templates and terminals somewhere. */
const NASTY_STRINGS: readonly string[] = [
  "' OR '1'='1",
  "'; DROP TABLE subscription; --",
  '1; SELECT pg_sleep(10)',
  '" OR ""="',
  '$where: 1 == 1',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '${7*7}',
  '{{7*7}}',
  '#{7*7}',
  '%s%s%s%n',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '\u0000',
  'nul\u0000byte',
  '\u202eevil',
  '\ud800',
  '\uffff',
  '🙂'.repeat(50),
  'A'.repeat(10_000),
  '',
  ' ',
  '\r\n\r\nHTTP/1.1 200 OK',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x1f',
  '١٢٣',
  '9'.repeat(40),
  'true',
  '__proto__',
  'constructor',
];

/** Values of every JSON type that a typed field must refuse (some are right for some fields). */
const WRONG_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -0,
  '',
  '1',
  [],
  ['ACTIVE'],
  {},
  { $gt: '' },
  { __proto__: { polluted: true } },
  'A'.repeat(5_000),
];

const EVENT_TYPES = ['subscription.created', 'subscription.updated', 'payment.succeeded'] as const;

function validEvent(random: Random, context: HostileContext): Record<string, unknown> {
  const id = `evt_hostile_${Math.floor(random() * 1e12)}`;
  const type = pick(random, EVENT_TYPES);
  return {
    id,
    type,
    occurredAt: new Date().toISOString(),
    subscription: {
      id: `sub_hostile_${Math.floor(random() * 1e12)}`,
      offerId: context.offerId,
      status: 'ACTIVE',
      currentPeriodEnd: new Date(Date.now() + 86_400_000).toISOString(),
      cancelAtPeriodEnd: false,
      customer: { id: context.customerId, email: 'a@example.com' },
    },
    ...(type === 'payment.succeeded'
      ? { payment: { id: `pay_${id}`, amountInCents: 999, currency: 'EUR', failureReason: null } }
      : {}),
  };
}

/** Values a merchant's id (printable ASCII without spaces, 1 to 200 characters) never is. */
const NOT_EXTERNAL_IDS: readonly unknown[] = [...NASTY_STRINGS, ...WRONG_VALUES].filter(
  (value) => typeof value !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(value),
);

type Body = Record<string, unknown>;
type Mutation = (body: Body, random: Random) => void;

const sub = (body: Body): Body => body.subscription as Body;

/**
 * Changes that each make an event invalid on their own: a wrong type, an unknown or missing field, a
 * value outside its format, an offer the merchant does not have. Combined with decorations (nasty
 * strings where free text is allowed), none of the bodies may be taken.
 */
const EVENT_BREAKERS: readonly Mutation[] = [
  (b, r) => (b.id = pick(r, NOT_EXTERNAL_IDS)),
  (b, r) => (b.type = pick(r, [...NASTY_STRINGS, ...WRONG_VALUES])),
  (b, r) => (b.occurredAt = pick(r, [...NASTY_STRINGS, ...WRONG_VALUES, '2026-13-45T99:99:99Z'])),
  (b, r) => (sub(b).offerId = pick(r, [...NASTY_STRINGS, ...WRONG_VALUES])),
  (b) => (sub(b).offerId = '00000000-0000-4000-8000-000000000000'),
  (b, r) => (sub(b).status = pick(r, [...NASTY_STRINGS, ...WRONG_VALUES, 'active', 'DELETED'])),
  (b, r) => (sub(b).cancelAtPeriodEnd = pick(r, ['true', 1, 'yes', {}, []])),
  (b, r) => (sub(b).currentPeriodEnd = pick(r, [...NASTY_STRINGS, 1_700_000_000, {}])),
  (b, r) => (sub(b).customer = pick(r, [null, 'cus_1', [], { id: 42 }, { id: '' }, { email: 'x@y.z' }])),
  (b, r) => ((sub(b).customer as Body).email = pick(r, [...NASTY_STRINGS, 42, 'not-an-email'])),
  (b, r) => ((sub(b).customer as Body).id = pick(r, NOT_EXTERNAL_IDS)),
  (b, r) => (sub(b).id = pick(r, ['', ' ', 'a b', 'x'.repeat(201), 42, null, '\u0000', 'tab\there'])),
  (b) => {
    b.type = 'payment.failed';
    delete b.payment;
  },
  (b, r) =>
    (b.payment = {
      id: 'pay_1',
      amountInCents: pick(r, [-1, 1.5, '999', null, 1e300, 'NaN']),
      currency: 'EUR',
      failureReason: null,
    }),
  (b, r) =>
    (b.payment = {
      id: 'pay_1',
      amountInCents: 999,
      currency: pick(r, ['EURO', 'E1R', '€€€', '', 42, "'; --"]),
      failureReason: null,
    }),
  (b, r) => (b[pick(r, ['extra', 'admin', 'merchantId', '$where', 'constructor'])] = pick(r, WRONG_VALUES)),
  (b) => Object.defineProperty(b, '__proto__', { value: { status: 'ACTIVE' }, enumerable: true }),
  (b) => (sub(b).merchantId = '00000000-0000-4000-8000-000000000001'),
  (b) => delete b.id,
  (b) => delete b.subscription,
  (b) => delete sub(b).customer,
];

/** Nasty strings where the schema takes free text: harmless alone, hostile next to a breaker. */
const EVENT_DECORATIONS: readonly Mutation[] = [
  (b, r) => {
    b.payment = { id: 'pay_deco', amountInCents: 1, currency: 'EUR', failureReason: pick(r, NASTY_STRINGS) };
  },
  (b, r) => ((sub(b).customer as Body).id = pick(r, ["'OR'1'='1", '<b>x</b>', '{{7*7}}', '$(reboot)'])),
];

function brokenEvent(random: Random, context: HostileContext): string {
  const body = validEvent(random, context);
  // Decorations first, so that the breaker has the last word.
  if (random() < 0.5) pick(random, EVENT_DECORATIONS)(body, random);
  pick(random, EVENT_BREAKERS)(body, random);
  return JSON.stringify(body);
}

const OFFER_BREAKERS: ReadonlyArray<(offer: Body, random: Random, context: HostileContext) => void> = [
  (o, r) => (o.amountInCents = pick(r, [-1, 1.5, '999', null, 1e13, 'NaN', []])),
  (o, r) => (o.currency = pick(r, ['EURO', '', 42, '€€€', "'; --", null])),
  (o, r) => (o.interval = pick(r, [...NASTY_STRINGS, 'fortnight', 'MONTH', 1])),
  (o, r) => (o.intervalCount = pick(r, [0, 366, -1, 1.5, '1'])),
  (o, r) => (o.gracePeriodDays = pick(r, [-1, 366, 0.5, '3'])),
  (o, r) => (o.name = pick(r, ['', '   ', 'x'.repeat(201), 42, null, []])),
  (o, r) => (o.discordGuildId = pick(r, [...NASTY_STRINGS, 123, '0123456789012345678'])),
  (o, r) => (o.discordRoleId = pick(r, [...NASTY_STRINGS, 123, '0123456789012345678'])),
  (o) => delete o.discordRoleId,
  (o, r, c) => {
    // A real snowflake the merchant never connected: 422, nothing written.
    o.discordGuildId = `1${String(Math.floor(r() * 1e17)).padStart(17, '7')}`;
    o.discordRoleId = c.roleId;
  },
  (o, r) => (o[pick(r, ['id', 'merchantId', 'extra', '$set'])] = 'x'),
];

function brokenOffer(random: Random, context: HostileContext): string {
  const offer: Body = {
    name: pick(random, ['VIP', ...NASTY_STRINGS.filter((s) => s.trim().length > 0 && s.length <= 200)]),
    description: pick(random, [null, ...NASTY_STRINGS.filter((s) => s.length <= 2000)]),
    amountInCents: 999,
    currency: 'EUR',
    interval: 'month',
    intervalCount: 1,
    discordGuildId: context.guildId,
    discordRoleId: context.roleId,
  };
  pick(random, OFFER_BREAKERS)(offer, random, context);
  return JSON.stringify(offer);
}

function brokenGuildConfig(random: Random): string {
  const config: Body = {
    paymentChannelId: null,
    generalChannelId: null,
    notifications: {
      paymentSucceeded: true,
      paymentFailed: true,
      subscriptionCreated: true,
      subscriptionCanceled: true,
    },
  };
  pick(random, [
    () => (config.paymentChannelId = pick(random, [...NASTY_STRINGS, 42])),
    () => (config.generalChannelId = pick(random, [...NASTY_STRINGS, [], {}])),
    () =>
      (config.inviteUrl = pick(random, [
        'javascript:alert(1)',
        'ftp://x',
        'not a url',
        'http://' + 'a'.repeat(600),
      ])),
    () => (config.notifications = pick(random, [null, true, {}, { paymentSucceeded: 'yes' }])),
    () => ((config.notifications as Body).subscriptionCanceled = 'false'),
    () => (config.merchantId = 'someone-else'),
  ])();
  return JSON.stringify(config);
}

const MALFORMED_JSON: ReadonlyArray<(valid: string, random: Random) => string | Uint8Array> = [
  (valid, r) => valid.slice(0, Math.floor(r() * valid.length)),
  (valid) => `${valid},`,
  (valid) => valid.replace(/"/g, "'"),
  (valid) => `\ufeff${valid}`.replace('{', '{,'),
  () => '{"id": NaN, "type": Infinity}',
  () => '{"payment": {"amountInCents": 1e309}, "subscription": {"status": -0e-999}}',
  () => '{"a": 1 /* comment */}',
  () => 'null',
  () => '[]',
  () => '"just a string"',
  () => '12345',
  () => '',
  () => '{"a":"\\ud800"',
  (_valid, r) => randomBytes(1 + Math.floor(r() * 512)),
  () => `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  () => `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
  () => `{${Array.from({ length: 5_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
];

function hugeBody(random: Random): string {
  const size = pick(random, [70_000, 300_000, 2_000_000]);
  return JSON.stringify({ id: 'evt_huge', padding: 'x'.repeat(size) });
}

const JSON_ROUTES: ReadonlyArray<{ method: string; path: (c: HostileContext) => string }> = [
  { method: 'POST', path: () => '/events' },
  { method: 'POST', path: () => '/subscription/offer' },
  { method: 'PATCH', path: (c) => `/subscription/offer/${c.offerId}` },
  { method: 'PUT', path: (c) => `/discord/guilds/${c.guildId}` },
  { method: 'POST', path: () => '/customer/portal-session' },
];

/** Percent-encodes; a lone surrogate becomes its (invalid) UTF-8 bytes, %ED%A0%80, as a hostile client sends it. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

/** Path segments no route takes, raw (some deliberately malformed percent-encodings). */
const NASTY_SEGMENTS: readonly string[] = [
  ...NASTY_STRINGS.map(encode),
  '%',
  '%E0%A4%A',
  '%ZZ',
  '%00',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f',
  'x'.repeat(4_000),
  '00000000-0000-4000-8000-000000000000',
  '1234567890123456789',
];

type Family = (random: Random, context: HostileContext) => ApiCall;

const json = (key: string | undefined): Record<string, string> => ({
  'content-type': 'application/json',
  ...(key === undefined ? {} : { 'x-inflow-api-key': key }),
});

/** A well-formed key nobody was given. */
const unknownKey = () => `inflow_priv_${randomBytes(32).toString('base64url')}`;

const FAMILIES: ReadonlyArray<{ name: string; weight: number; make: Family }> = [
  {
    name: 'invalid event',
    weight: 30,
    make: (r, c) => ({ method: 'POST', path: '/events', headers: json(c.apiKey), body: brokenEvent(r, c) }),
  },
  {
    name: 'invalid offer',
    weight: 10,
    make: (r, c) =>
      r() < 0.6
        ? { method: 'POST', path: '/subscription/offer', headers: json(c.apiKey), body: brokenOffer(r, c) }
        : {
            method: 'PATCH',
            path: `/subscription/offer/${c.offerId}`,
            headers: json(c.apiKey),
            body: brokenOffer(r, c),
          },
  },
  {
    name: 'invalid guild settings',
    weight: 6,
    make: (r, c) => ({
      method: 'PUT',
      path: `/discord/guilds/${c.guildId}`,
      headers: json(c.apiKey),
      body: brokenGuildConfig(r),
    }),
  },
  {
    name: 'invalid portal session',
    weight: 5,
    make: (r, c) => ({
      method: 'POST',
      path: '/customer/portal-session',
      headers: json(c.apiKey),
      body: JSON.stringify(
        pick(r, [
          { customerId: '' },
          { customerId: 'x'.repeat(201) },
          { customerId: 42 },
          { customerId: null },
          { customerId: ['cus_1'] },
          { customerId: { $ne: null } },
          { customerId: 'cus_1', merchantId: 'other' },
          {},
        ]),
      ),
    }),
  },
  {
    // Postgres cannot store U+0000 in text or jsonb, so a 4xx is the only right answer to these bodies,
    // valid in every other respect.
    name: 'NUL byte in free text',
    weight: 3,
    make: (r, c) => {
      const nul = pick(r, ['\u0000', 'card\u0000declined', 'x'.repeat(50) + '\u0000']);
      const event = validEvent(r, c);
      event.type = 'payment.failed';
      event.payment = { id: 'pay_nul', amountInCents: 999, currency: 'EUR', failureReason: nul };
      const offer = { name: `VIP ${nul}`, amountInCents: 999, currency: 'EUR', interval: 'month' };
      return pick(r, [
        { method: 'POST', path: '/events', headers: json(c.apiKey), body: JSON.stringify(event) },
        { method: 'POST', path: '/subscription/offer', headers: json(c.apiKey), body: JSON.stringify(offer) },
        {
          method: 'POST',
          path: '/subscription/offer',
          headers: json(c.apiKey),
          body: JSON.stringify({ ...offer, name: 'VIP', description: nul }),
        },
        {
          method: 'PATCH',
          path: `/subscription/offer/${c.offerId}`,
          headers: json(c.apiKey),
          body: JSON.stringify({ name: `VIP ${nul}` }),
        },
        {
          method: 'POST',
          path: '/customer/portal-session',
          headers: json(c.apiKey),
          body: JSON.stringify({ customerId: `cus_${nul}` }),
        },
        {
          method: 'PUT',
          path: `/discord/guilds/${c.guildId}`,
          headers: json(c.apiKey),
          body: JSON.stringify({
            inviteUrl: `https://discord.gg/a${nul}`,
            notifications: {
              paymentSucceeded: true,
              paymentFailed: true,
              subscriptionCreated: true,
              subscriptionCanceled: true,
            },
          }),
        },
      ]);
    },
  },
  {
    name: 'malformed JSON',
    weight: 12,
    make: (r, c) => {
      const route = pick(r, JSON_ROUTES);
      return {
        method: route.method,
        path: route.path(c),
        headers: json(c.apiKey),
        body: pick(r, MALFORMED_JSON)(brokenEvent(r, c), r),
      };
    },
  },
  {
    name: 'wrong content type',
    weight: 5,
    make: (r, c) => {
      const route = pick(r, JSON_ROUTES);
      const [type, body] = pick(r, [
        ['text/plain', brokenEvent(r, c)],
        ['application/xml', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'],
        ['application/x-www-form-urlencoded', 'id=evt_1&type=subscription.created&subscription[id]=1'],
        [
          'multipart/form-data; boundary=x',
          '--x\r\nContent-Disposition: form-data; name="id"\r\n\r\n1\r\n--x--',
        ],
        ['application/json; charset=utf-16', brokenEvent(r, c)],
        ['application/merge-patch+json', '{"id":'],
      ] as const);
      return {
        method: route.method,
        path: route.path(c),
        headers: { 'content-type': type, 'x-inflow-api-key': c.apiKey },
        body,
      };
    },
  },
  {
    name: 'huge payload',
    weight: 2,
    make: (r, c) => {
      const route = pick(r, JSON_ROUTES);
      return { method: route.method, path: route.path(c), headers: json(c.apiKey), body: hugeBody(r) };
    },
  },
  {
    name: 'bad credentials',
    weight: 10,
    make: (r, c) => {
      const key = pick(r, [
        undefined,
        '',
        'inflow_priv_',
        'inflow_priv_short',
        unknownKey(),
        `${c.apiKey.slice(0, -1)}${c.apiKey.endsWith('A') ? 'B' : 'A'}`,
        `inflow_priv_${'A'.repeat(8_000)}`,
        "inflow_priv_' OR '1'='1",
        'Bearer xyz',
      ]);
      const headers = json(key);
      if (key === '') headers['x-inflow-api-key'] = '';
      // A valid body: only the key stands between it and a write.
      const valid = JSON.stringify(validEvent(r, c));
      return pick(r, [
        { method: 'POST', path: '/events', headers, body: valid },
        { method: 'GET', path: '/subscription/offer', headers },
        { method: 'GET', path: '/discord/guilds', headers },
        { method: 'GET', path: '/discord/invite-link', headers },
        { method: 'POST', path: '/customer/portal-session', headers, body: '{"customerId":"cus_1"}' },
        { method: 'GET', path: '/admin/queues', headers },
      ]);
    },
  },
  {
    name: 'hostile path',
    weight: 9,
    make: (r, c) => {
      const segment = pick(r, NASTY_SEGMENTS);
      return pick(r, [
        { method: 'GET', path: `/subscription/offer/${segment}`, headers: json(c.apiKey) },
        {
          method: 'PATCH',
          path: `/subscription/offer/${segment}`,
          headers: json(c.apiKey),
          body: '{"name":"renamed"}',
        },
        { method: 'GET', path: `/subscription/${segment}`, headers: json(c.apiKey) },
        { method: 'GET', path: `/discord/guilds/${segment}/diagnostics`, headers: json(c.apiKey) },
        {
          method: 'PUT',
          path: `/discord/guilds/${segment}`,
          headers: json(c.apiKey),
          body: '{"notifications":{"paymentSucceeded":true,"paymentFailed":true,"subscriptionCreated":true,"subscriptionCanceled":true}}',
        },
        { method: 'GET', path: `/portal/s/${segment}` },
        { method: 'GET', path: `/dashboard/guilds/${segment}` },
        { method: 'GET', path: `/${segment}` },
      ]);
    },
  },
  {
    name: 'hostile query',
    weight: 3,
    make: (r, c) => {
      const value = encode(pick(r, NASTY_STRINGS));
      return pick(r, [
        { method: 'GET', path: `/subscription/offer?limit=${value}`, headers: json(c.apiKey) },
        { method: 'GET', path: `/subscription/offer?after=${value}&limit=-5`, headers: json(c.apiKey) },
        { method: 'GET', path: `/subscription/offer?limit[]=1&limit[]=2`, headers: json(c.apiKey) },
        { method: 'GET', path: `/subscription/offer?${'a=1&'.repeat(2_000)}`, headers: json(c.apiKey) },
        { method: 'GET', path: `/portal?notice=${value}` },
        { method: 'GET', path: `/dashboard/activity?range=${value}` },
      ]);
    },
  },
  {
    name: 'forged OAuth return',
    weight: 4,
    make: (r) => {
      const value = () => encode(pick(r, NASTY_STRINGS));
      return pick(r, [
        { method: 'GET', path: `/oauth/discord/callback?code=${value()}&state=${value()}` },
        { method: 'GET', path: `/oauth/discord/callback?error=${value()}&state=${value()}` },
        {
          method: 'GET',
          path: `/oauth/discord/bot-callback?code=${value()}&state=${value()}&guild_id=${value()}&permissions=${value()}`,
        },
        {
          method: 'GET',
          path: `/oauth/discord/bot-callback?code=abc&state=${randomBytes(24).toString('base64url')}&guild_id=1234567890123456789&permissions=268437504`,
        },
      ]);
    },
  },
  {
    name: 'forged browser form',
    weight: 3,
    make: (r) => {
      const value = encode(pick(r, NASTY_STRINGS));
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const cookie = `inflow_dashboard=${value}; inflow_portal=${value}`;
      return pick(r, [
        { method: 'POST', path: '/dashboard/login', headers: form, body: `apiKey=${value}` },
        {
          method: 'POST',
          path: '/dashboard/login',
          headers: { ...form, origin: 'https://evil.example' },
          body: `apiKey=${value}`,
        },
        { method: 'POST', path: '/dashboard/logout', headers: { ...form, cookie }, body: `csrf=${value}` },
        { method: 'POST', path: '/dashboard/offers', headers: { ...form, cookie }, body: `name=${value}` },
        { method: 'POST', path: '/portal/disconnect', headers: { ...form, cookie }, body: `csrf=${value}` },
        { method: 'POST', path: '/portal/connect', headers: { ...form, cookie }, body: `csrf=${value}` },
        { method: 'GET', path: '/portal', headers: { cookie } },
      ]);
    },
  },
  {
    name: 'unexpected method',
    weight: 1,
    make: (r, c) =>
      pick(r, [
        { method: 'DELETE', path: '/events', headers: json(c.apiKey) },
        { method: 'PUT', path: '/subscription/offer', headers: json(c.apiKey), body: '{}' },
        { method: 'DELETE', path: `/subscription/offer/${c.offerId}`, headers: json(c.apiKey) },
        { method: 'OPTIONS', path: '/events' },
        { method: 'HEAD', path: '/subscription/offer', headers: json(c.apiKey) },
        { method: 'PATCH', path: '/events', headers: json(c.apiKey), body: '{}' },
      ]),
  },
];

const TOTAL_WEIGHT = FAMILIES.reduce((sum, family) => sum + family.weight, 0);

/** `count` hostile requests, drawn over the families by weight. */
export function hostileRequests(count: number, random: Random, context: HostileContext): HostileRequest[] {
  return Array.from({ length: count }, () => {
    let draw = random() * TOTAL_WEIGHT;
    const family = FAMILIES.find((candidate) => (draw -= candidate.weight) < 0) ?? FAMILIES[0]!;
    return { family: family.name, ...family.make(random, context) };
  });
}
