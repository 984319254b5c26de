import { describe, expect, it } from '@jest/globals';
import { EMBED_COLORS, type OperationalAlertKind } from '@inflow/discord';
import { alertEmbedKind, alertMessage, alertTargets, CHANNEL_BROKEN_ALERT } from './alert-message';
import { GENERAL_CHANNEL, guild, PAYMENT_CHANNEL } from './test/fakes';

describe('alertEmbedKind', () => {
  it.each<[string, OperationalAlertKind]>([
    ['bot_missing_manage_roles', 'missing_permissions'],
    ['offer_role_above_bot', 'role_hierarchy'],
    ['offer_role_missing', 'unknown_role'],
    ['mass_removal_held', 'role_sync_failing'],
    ['channel_missing', 'channel_unavailable'],
    ['channel_missing_view', 'missing_access'],
    [CHANNEL_BROKEN_ALERT, 'channel_unavailable'],
    ['channel_something_new', 'channel_unavailable'],
    ['bot_something_new', 'missing_permissions'],
    ['constructor', 'role_sync_failing'],
  ])('%s → %s', (kind, embedKind) => {
    expect(alertEmbedKind(kind)).toBe(embedKind);
  });
});

describe('alertTargets', () => {
  const roleAlert = { kind: 'offer_role_above_bot', subject: '1187654321098765599' };

  it('prefers the general channel, then the payment channel', () => {
    expect(alertTargets(roleAlert, guild())).toEqual([
      { channelId: GENERAL_CHANNEL, purpose: 'general' },
      { channelId: PAYMENT_CHANNEL, purpose: 'payment' },
    ]);
    expect(alertTargets(roleAlert, guild({ generalChannelId: null }))).toEqual([
      { channelId: PAYMENT_CHANNEL, purpose: 'payment' },
    ]);
  });

  it('never posts an alert about a channel in that channel, nor in a broken one', () => {
    expect(alertTargets({ kind: CHANNEL_BROKEN_ALERT, subject: GENERAL_CHANNEL }, guild())).toEqual([
      { channelId: PAYMENT_CHANNEL, purpose: 'payment' },
    ]);
    expect(alertTargets(roleAlert, guild({ brokenChannels: { [GENERAL_CHANNEL]: 'gone' } }))).toEqual([
      { channelId: PAYMENT_CHANNEL, purpose: 'payment' },
    ]);
    expect(
      alertTargets(
        { kind: CHANNEL_BROKEN_ALERT, subject: PAYMENT_CHANNEL },
        guild({ brokenChannels: { [GENERAL_CHANNEL]: 'gone', [PAYMENT_CHANNEL]: 'gone' } }),
      ),
    ).toEqual([]);
  });

  it('posts once when both purposes share a channel, and nowhere without channels', () => {
    expect(alertTargets(roleAlert, guild({ paymentChannelId: GENERAL_CHANNEL }))).toEqual([
      { channelId: GENERAL_CHANNEL, purpose: 'general' },
    ]);
    expect(alertTargets(roleAlert, guild({ generalChannelId: null, paymentChannelId: null }))).toEqual([]);
  });
});

describe('alertMessage', () => {
  it('is an amber embed with the alert sentence and a support reference', () => {
    const message = alertMessage({
      id: '42',
      kind: 'offer_role_above_bot',
      message: 'Move the bot\'s role "Inflow" above "VIP" in Server Settings > Roles.',
      firstSeenAt: new Date('2026-11-24T10:00:00.000Z'),
    });
    expect(message.embeds).toEqual([
      {
        title: "Action needed: the bot's role is below a subscription role",
        description: 'Move the bot\'s role "Inflow" above "VIP" in Server Settings > Roles.',
        color: EMBED_COLORS.alert,
        fields: [],
        footer: { text: 'Reference: alert 42 (offer_role_above_bot)' },
        timestamp: '2026-11-24T10:00:00.000Z',
      },
    ]);
  });
});
