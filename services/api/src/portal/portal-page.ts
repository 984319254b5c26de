import { escapeHtml } from '../html/page';
import type { PortalNotice } from './discord-link.service';
import type { PortalView, ServerState } from './portal-view.service';

const NOTICES: Record<PortalNotice, { text: string; tone: 'ok' | 'error' }> = {
  linked: { text: 'Discord is connected. Your roles are on their way.', tone: 'ok' },
  switched: { text: 'Switched Discord account. Your roles move to the new account.', tone: 'ok' },
  disconnected: { text: 'Discord is disconnected. The roles it gave are being removed.', tone: 'ok' },
  refreshing: { text: 'Your roles are being checked again.', tone: 'ok' },
  'refresh-too-soon': {
    text: 'Your roles were checked less than a minute ago. Try again shortly.',
    tone: 'error',
  },
  'consent-denied': {
    text: 'You did not allow the connection on Discord, so nothing changed.',
    tone: 'error',
  },
  'state-expired': { text: 'That sign-in took too long and expired. Connect again.', tone: 'error' },
  'state-used': { text: 'That sign-in link was already used. Connect again.', tone: 'error' },
  'state-invalid': { text: 'That sign-in link is not valid. Connect again from this page.', tone: 'error' },
  'state-other-session': {
    text: 'That sign-in was started in another browser session. Connect again from this page.',
    tone: 'error',
  },
  'discord-failed': { text: 'Discord did not complete the connection. Please try again.', tone: 'error' },
  'duplicate-refused': {
    text: 'This Discord account is already connected to another customer of this shop. Use another Discord account.',
    tone: 'error',
  },
  'missing-scope': {
    text: 'Discord did not grant the access we need. Connect again and allow everything listed.',
    tone: 'error',
  },
};

export function isPortalNotice(value: unknown): value is PortalNotice {
  return typeof value === 'string' && Object.hasOwn(NOTICES, value);
}

function stateText(state: ServerState): string {
  switch (state.kind) {
    case 'granted':
      return 'Role granted.';
    case 'syncing':
      return 'Granting your role…';
    case 'join':
      return state.inviteUrl === null
        ? 'Join the server to get your role.'
        : `Join the server to get your role: <a href="${escapeHtml(state.inviteUrl)}" rel="noopener">join the server</a>.`;
    case 'waiting-admin':
      return "Waiting for the server's admin to fix the bot's permissions.";
    case 'reconnect':
      return 'Your Discord connection stopped working. Connect Discord again.';
    case 'banned':
      return 'You are banned from this server, so the role cannot be given.';
    case 'guild-cap':
      return 'You are in as many servers as Discord allows. Leave one, then refresh your roles.';
    case 'no-access':
      return 'No role: this subscription does not give access right now.';
    case 'not-linked':
      return 'Connect Discord to get your role.';
    case 'no-server':
      return 'This subscription has no Discord role.';
  }
}

function button(action: string, label: string, csrf: string): string {
  return `<form method="post" action="${action}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit">${escapeHtml(label)}</button></form>`;
}

/** The customer portal page: server-rendered, works without JavaScript, one form per action. */
export function portalPage(view: PortalView, csrf: string, notice: PortalNotice | null): string {
  const message =
    notice === null
      ? ''
      : `<p role="status" class="notice ${NOTICES[notice].tone}">${escapeHtml(NOTICES[notice].text)}</p>`;
  const account =
    view.discord === null
      ? `<p>No Discord account is connected.</p>${button('/portal/connect', 'Connect Discord', csrf)}`
      : `<p>Connected as <strong>${escapeHtml(view.discord.username || view.discord.userId)}</strong>${
          view.discord.tokenStatus === 'valid' ? '' : ' (connection expired: connect again)'
        }.</p><div class="actions">${button('/portal/switch', 'Switch account', csrf)}${button('/portal/disconnect', 'Disconnect Discord', csrf)}${button('/portal/refresh', 'Refresh my roles', csrf)}</div>`;
  const rows =
    view.subscriptions.length === 0
      ? '<p>You have no subscriptions yet.</p>'
      : `<table><caption>Your subscriptions</caption><thead><tr><th scope="col">Subscription</th><th scope="col">Status</th><th scope="col">Discord server</th><th scope="col">Your role</th></tr></thead><tbody>${view.subscriptions
          .map(
            (s) =>
              `<tr data-subscription="${escapeHtml(s.id)}" data-state="${s.state.kind}"><td>${escapeHtml(s.offerName)}</td><td>${escapeHtml(s.status.toLowerCase().replace('_', ' '))}</td><td>${escapeHtml(s.serverName ?? '—')}</td><td>${stateText(s.state)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Your Discord access · ${escapeHtml(view.merchantName)}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #d0d7de}caption{text-align:left;font-weight:600;padding:.5rem 0}
form{display:inline-block;margin:.25rem .5rem .25rem 0}button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:1px solid #5865f2;background:#5865f2;color:#fff;cursor:pointer}
.actions form:nth-child(2) button{background:#fff;color:#cf222e;border-color:#cf222e}
.notice{padding:.6rem .9rem;border-radius:6px}.ok{background:#dafbe1}.error{background:#ffebe9}
</style></head>
<body><main>
<h1>Your Discord access at ${escapeHtml(view.merchantName)}</h1>
${message}
<section aria-labelledby="account"><h2 id="account">Discord account</h2>${account}</section>
<section aria-labelledby="subs"><h2 id="subs">Subscriptions</h2>${rows}</section>
</main></body></html>`;
}
