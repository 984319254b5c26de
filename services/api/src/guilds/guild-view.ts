import type { GuildView } from '@inflow/contracts';
import type { DiscordGuild } from '@inflow/db';

export function guildView(guild: DiscordGuild): GuildView {
  return {
    guildId: guild.guildId,
    name: guild.name,
    installStatus: guild.installStatus,
    installedAt: guild.installedAt.toISOString(),
    paymentChannelId: guild.paymentChannelId,
    generalChannelId: guild.generalChannelId,
    inviteUrl: guild.inviteUrl,
    notifications: {
      paymentSucceeded: guild.notifyPaymentSucceeded,
      paymentFailed: guild.notifyPaymentFailed,
      subscriptionCreated: guild.notifySubscriptionCreated,
      subscriptionCanceled: guild.notifySubscriptionCanceled,
    },
    health: {
      status: guild.healthStatus,
      problems: guild.healthDetail.map((problem) => ({
        code: problem.code,
        severity: problem.severity ?? 'error',
        message: problem.message,
        ...(problem.roleId === undefined ? {} : { roleId: problem.roleId }),
        ...(problem.channelId === undefined ? {} : { channelId: problem.channelId }),
      })),
      checkedAt: guild.healthCheckedAt?.toISOString() ?? null,
    },
  };
}
