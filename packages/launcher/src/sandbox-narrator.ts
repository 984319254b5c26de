import type { DiscordEmulator } from '@inflow/discord-emulator';

/** Tells what happens on the sandbox's Discord as it happens: roles granted or removed, messages posted. */
export function narrateSandbox(emulator: DiscordEmulator, say: (line: string) => void): () => void {
  const state = emulator.state;
  const roleName = (guildId: string, roleId: string) =>
    state.guild(guildId)?.roles.get(roleId)?.name ?? roleId;
  const userName = (userId: string) =>
    state.user(userId)?.globalName ?? state.user(userId)?.username ?? userId;
  const known = new Map<string, Set<string>>();
  const stopDispatch = state.onDispatch((dispatch) => {
    if (dispatch.t !== 'GUILD_MEMBER_UPDATE' && dispatch.t !== 'GUILD_MEMBER_ADD') return;
    const member = dispatch.d as { user?: { id: string; bot?: boolean }; roles?: string[] };
    if (member.user === undefined || member.user.bot === true || member.roles === undefined) return;
    const key = `${dispatch.guildId}:${member.user.id}`;
    const before = known.get(key) ?? new Set<string>();
    const after = new Set(member.roles);
    for (const role of after)
      if (!before.has(role))
        say(`Discord: ${userName(member.user.id)} got the @${roleName(dispatch.guildId, role)} role`);
    for (const role of before)
      if (!after.has(role))
        say(`Discord: ${userName(member.user.id)} lost the @${roleName(dispatch.guildId, role)} role`);
    known.set(key, after);
  });
  const stopMessages = state.onMessage((message) => {
    const channel = state.channel(message.channel_id);
    const embed = message.embeds?.[0] as { title?: string; description?: string } | undefined;
    say(
      `Discord: #${channel?.name ?? message.channel_id} ← ${embed?.title ?? message.content ?? 'message'}${embed?.description ? ` — ${embed.description}` : ''}`,
    );
  });
  return () => {
    stopDispatch();
    stopMessages();
  };
}
