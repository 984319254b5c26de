import { ChannelType, type APIChannel, type APIRole } from 'discord-api-types/v10';
import type { Diagnostic, GuildView, OfferView } from '@inflow/contracts';
import type { AuditLogEntry, MerchantAlert, RoleGrant } from '@inflow/db';
import { escapeHtml } from '../html/page';
import { actionButton } from './dashboard-layout';

const e = escapeHtml;

function healthBadge(status: GuildView['health']['status']): string {
  return status === 'healthy'
    ? '<span class="ok">Healthy</span>'
    : status === 'needs_action'
      ? '<span class="bad">Needs your action</span>'
      : '<span class="warn">Unreachable</span>';
}

export function alertsList(alerts: readonly MerchantAlert[]): string {
  if (alerts.length === 0) return '';
  return `<section class="card" aria-labelledby="alerts"><h2 id="alerts">Alerts</h2><ul class="problems">${alerts
    .map(
      (a) =>
        `<li><span class="bad">${e(a.kind.replace(/_/g, ' '))}</span>: ${e(a.message)} <small>(seen ${a.occurrences}×, last ${e(a.lastSeenAt.toISOString().slice(0, 16).replace('T', ' '))} UTC)</small></li>`,
    )
    .join('')}</ul></section>`;
}

/** Settings > Integrations > Discord. */
export function integrationsPage(
  guilds: readonly GuildView[],
  alerts: readonly MerchantAlert[],
  csrf: string,
): string {
  const rows =
    guilds.length === 0
      ? '<p>No Discord server is connected yet. Get the invite link, choose your server on Discord and authorize the bot.</p>'
      : `<table><thead><tr><th scope="col">Server</th><th scope="col">Installed</th><th scope="col">Health</th><th scope="col">Notifications</th><th scope="col"></th></tr></thead><tbody>${guilds
          .map(
            (g) =>
              `<tr data-guild="${e(g.guildId)}"><td>${e(g.name)}</td><td>${g.installStatus === 'installed' ? 'Yes' : 'Removed'}</td><td>${healthBadge(g.health.status)}</td><td>${
                g.paymentChannelId === null && g.generalChannelId === null
                  ? 'No channels set'
                  : 'Channels set'
              }</td><td><a href="/dashboard/guilds/${e(g.guildId)}">Select server</a></td></tr>`,
          )
          .join('')}</tbody></table>`;
  return `<p>Settings &gt; Integrations &gt; Discord</p>
<section class="card" aria-labelledby="step1"><h2 id="step1">Step 1: add the bot to your server</h2>
<p>The link opens Discord, where you pick your server and authorize the bot with the permissions it needs (Manage Roles, Send Messages, Embed Links, View Channel, Create Invite).</p>
${actionButton('/dashboard/integrations/discord/invite', 'Get Invite Link', csrf)}</section>
<section class="card" aria-labelledby="servers"><h2 id="servers">Connected servers</h2>${rows}</section>
${alertsList(alerts)}`;
}

function channelOptions(channels: readonly APIChannel[], selected: string | null): string {
  const text = channels.filter(
    (c) => c.type === ChannelType.GuildText || c.type === ChannelType.GuildAnnouncement,
  );
  return `<option value="">None</option>${text
    .map(
      (c) =>
        `<option value="${e(c.id)}"${c.id === selected ? ' selected' : ''}>#${e('name' in c && c.name !== null ? c.name : c.id)}</option>`,
    )
    .join('')}`;
}

function checkbox(name: string, label: string, checked: boolean): string {
  return `<input type="checkbox" id="${name}" name="${name}" value="on"${checked ? ' checked' : ''}><label for="${name}">${e(label)}</label>`;
}

export interface GuildPageInput {
  guild: GuildView;
  channels: readonly APIChannel[] | null;
  offers: readonly OfferView[];
  roles: readonly APIRole[] | null;
  diagnostics: { ok: boolean; problems: readonly Diagnostic[] } | null;
  alerts: readonly MerchantAlert[];
  csrf: string;
}

/** One server: channels, invite URL, toggles, the diagnostics of each offer's role, re-sync. */
export function guildPage(input: GuildPageInput): string {
  const { guild, csrf } = input;
  const toggles = guild.notifications;
  const settings =
    input.channels === null
      ? '<p class="bad">Discord could not be reached to list this server\'s channels. Reload in a moment.</p>'
      : `<form method="post" action="/dashboard/guilds/${e(guild.guildId)}/settings">
<input type="hidden" name="csrf" value="${e(csrf)}">
<label for="paymentChannelId">Payment channel</label><select id="paymentChannelId" name="paymentChannelId">${channelOptions(input.channels, guild.paymentChannelId)}</select>
<label for="generalChannelId">General channel</label><select id="generalChannelId" name="generalChannelId">${channelOptions(input.channels, guild.generalChannelId)}</select>
<label for="inviteUrl">Discord invite URL (shown to customers who are not in the server yet)</label>
<input type="url" id="inviteUrl" name="inviteUrl" value="${e(guild.inviteUrl ?? '')}" placeholder="https://discord.gg/…">
<fieldset><legend>Notifications</legend>
${checkbox('paymentSucceeded', 'Payment succeeded', toggles.paymentSucceeded)}
${checkbox('paymentFailed', 'Payment failed', toggles.paymentFailed)}
${checkbox('subscriptionCreated', 'Subscription created', toggles.subscriptionCreated)}
${checkbox('subscriptionCanceled', 'Subscription canceled', toggles.subscriptionCanceled)}
</fieldset><button type="submit">Save settings</button></form>`;
  const roleName = (id: string | null) =>
    id === null ? '—' : (input.roles?.find((r) => r.id === id)?.name ?? id);
  const offers =
    input.offers.length === 0
      ? '<p>No offer grants a role in this server yet. <a href="/dashboard/offers">Create one</a>.</p>'
      : `<table><thead><tr><th scope="col">Offer</th><th scope="col">Role</th><th scope="col">Diagnostics</th></tr></thead><tbody>${input.offers
          .map((offer) => {
            const problems =
              input.diagnostics?.problems.filter(
                (p) =>
                  p.roleId === offer.discordRoleId || (p.roleId === undefined && p.channelId === undefined),
              ) ?? [];
            const verdict =
              input.diagnostics === null
                ? '<span class="warn">Not checked</span>'
                : problems.length === 0
                  ? '<span class="ok" data-diagnostic="ok">OK: the bot can grant this role</span>'
                  : `<ul class="problems" data-diagnostic="problem">${problems.map((p) => `<li class="${p.severity === 'warning' ? 'warn' : 'bad'}">${e(p.message)}</li>`).join('')}</ul>`;
            return `<tr><td>${e(offer.name)}</td><td>@${e(roleName(offer.discordRoleId))}</td><td>${verdict}</td></tr>`;
          })
          .join('')}</tbody></table>`;
  const channelProblems = input.diagnostics?.problems.filter((p) => p.channelId !== undefined) ?? [];
  return `<p><a href="/dashboard/integrations/discord">Settings &gt; Integrations &gt; Discord</a> &gt; ${e(guild.name)} (${healthBadge(guild.health.status)})</p>
<section class="card" aria-labelledby="settings"><h2 id="settings">Step 2: channels and notifications</h2>${settings}
${channelProblems.length === 0 ? '' : `<ul class="problems">${channelProblems.map((p) => `<li class="bad">${e(p.message)}</li>`).join('')}</ul>`}</section>
<section class="card" aria-labelledby="roles"><h2 id="roles">Step 3: offer roles</h2>${offers}
<p>${actionButton(`/dashboard/guilds/${guild.guildId}/recheck`, 'Re-check permissions', csrf, {}, true)} ${actionButton(`/dashboard/guilds/${guild.guildId}/resync`, 'Re-sync all members', csrf, {}, true)}</p></section>
${alertsList(input.alerts)}
${input.alerts.some((a) => a.kind === 'mass_removal_held') ? `<section class="card"><h2>Held removals</h2><p>Removals were paused because many roles would have been removed at once. If your subscriptions are right, release them.</p>${actionButton(`/dashboard/guilds/${guild.guildId}/release`, 'Release held removals', csrf)}</section>` : ''}`;
}

export interface RoleChoice {
  guildId: string;
  guildName: string;
  roleId: string;
  roleName: string;
}

export function offersPage(
  offers: readonly OfferView[],
  choices: readonly RoleChoice[],
  guildNames: ReadonlyMap<string, string>,
  csrf: string,
): string {
  const list =
    offers.length === 0
      ? '<p>No offers yet.</p>'
      : `<table><thead><tr><th scope="col">Name</th><th scope="col">Price</th><th scope="col">Server</th><th scope="col">Role</th><th scope="col">Grace</th></tr></thead><tbody>${offers
          .map(
            (o) =>
              `<tr><td>${e(o.name)}</td><td>${(o.amountInCents / 100).toFixed(2)} ${e(o.currency)} / ${o.intervalCount > 1 ? `${o.intervalCount} ` : ''}${e(o.interval)}</td><td>${e(o.discordGuildId === null ? '—' : (guildNames.get(o.discordGuildId) ?? o.discordGuildId))}</td><td>${e(choices.find((c) => c.roleId === o.discordRoleId)?.roleName ?? o.discordRoleId ?? '—')}</td><td>${o.gracePeriodDays} days</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const options = choices
    .map(
      (c) =>
        `<option value="${e(`${c.guildId}:${c.roleId}`)}">${e(`${c.guildName} — @${c.roleName}`)}</option>`,
    )
    .join('');
  return `<section class="card" aria-labelledby="new"><h2 id="new">Create an offer</h2>
<form method="post" action="/dashboard/offers"><input type="hidden" name="csrf" value="${e(csrf)}">
<label for="name">Name</label><input type="text" id="name" name="name" required maxlength="200">
<label for="amount">Price</label><input type="number" id="amount" name="amount" min="0" step="0.01" required>
<label for="currency">Currency</label><input type="text" id="currency" name="currency" value="EUR" pattern="[A-Za-z]{3}" required>
<label for="interval">Every</label><select id="interval" name="interval"><option value="month">month</option><option value="year">year</option><option value="week">week</option><option value="day">day</option></select>
<label for="role">Discord server and role</label><select id="role" name="role"><option value="">No role</option>${options}</select>
<label for="gracePeriodDays">Grace period after a failed payment (days)</label><input type="number" id="gracePeriodDays" name="gracePeriodDays" min="0" max="365" value="0">
<p><button type="submit">Create offer</button></p></form></section>
<section class="card" aria-labelledby="list"><h2 id="list">Offers</h2>${list}</section>`;
}

export interface MemberView {
  discordUserId: string;
  customers: Array<{ externalId: string }>;
  grants: RoleGrant[];
  presence: Map<string, string>;
  guildNames: ReadonlyMap<string, string>;
}

export function membersPage(
  query: string,
  found: MemberView | null,
  searched: boolean,
  csrf: string,
): string {
  const form = `<form method="get" action="/dashboard/members" class="card" role="search"><label for="q">Customer id or Discord user id</label>
<input type="text" id="q" name="q" value="${e(query)}" required> <button type="submit">Search</button></form>`;
  if (!searched) return form;
  if (found === null) return `${form}<p>No linked member matches “${e(query)}”.</p>`;
  const rows = found.grants
    .map(
      (g) =>
        `<tr><td>${e(found.guildNames.get(g.guildId) ?? g.guildId)}</td><td>${e(found.presence.get(g.guildId) ?? 'unknown')}</td><td>${e(g.roleId)}</td><td>${g.desired ? 'yes' : 'no'}</td><td>${g.applied ? 'yes' : 'no'}</td><td>${e(g.syncState)}</td><td>${e(g.lastError ?? '')}</td></tr>`,
    )
    .join('');
  return `${form}<section class="card"><h2>Discord user ${e(found.discordUserId)}</h2>
<p>Linked to customer${found.customers.length === 1 ? '' : 's'}: ${found.customers.map((c) => e(c.externalId)).join(', ') || 'none'}</p>
<table><thead><tr><th scope="col">Server</th><th scope="col">In server</th><th scope="col">Role</th><th scope="col">Should have</th><th scope="col">Has</th><th scope="col">State</th><th scope="col">Last error</th></tr></thead><tbody>${rows || '<tr><td colspan="7">No roles managed yet.</td></tr>'}</tbody></table>
<p>${actionButton('/dashboard/members/resync', 'Re-sync', csrf, { discordUserId: found.discordUserId })}</p></section>`;
}

export function activityPage(
  entries: readonly AuditLogEntry[],
  chart: string,
  filter: { guild: string; member: string; kind: string },
  guildNames: ReadonlyMap<string, string>,
): string {
  const guildOptions = [...guildNames]
    .map(
      ([id, name]) => `<option value="${e(id)}"${id === filter.guild ? ' selected' : ''}>${e(name)}</option>`,
    )
    .join('');
  const kinds = ['role', 'notification', 'guild', 'brake']
    .map((k) => `<option value="${k}"${k === filter.kind ? ' selected' : ''}>${k}</option>`)
    .join('');
  const rows = entries
    .map(
      (a) =>
        `<tr><td>${e(a.createdAt.toISOString().slice(0, 19).replace('T', ' '))}</td><td>${e(a.kind)}</td><td>${e(a.guildId === null ? '—' : (guildNames.get(a.guildId) ?? a.guildId))}</td><td>${e(a.discordUserId ?? '—')}</td><td>${e(a.roleId ?? '—')}</td><td>${e(a.reason)}</td></tr>`,
    )
    .join('');
  return `${chart}<form method="get" action="/dashboard/activity" class="card"><label for="guild">Server</label><select id="guild" name="guild"><option value="">All</option>${guildOptions}</select>
<label for="member">Discord user id</label><input type="text" id="member" name="member" value="${e(filter.member)}">
<label for="kind">Kind</label><select id="kind" name="kind"><option value="">All</option>${kinds}</select> <button type="submit">Filter</button></form>
<table><thead><tr><th scope="col">When (UTC)</th><th scope="col">What</th><th scope="col">Server</th><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Why</th></tr></thead><tbody>${rows || '<tr><td colspan="6">Nothing yet.</td></tr>'}</tbody></table>`;
}
