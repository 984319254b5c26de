import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Database } from '@inflow/db';
import { SANDBOX } from './sandbox';
import type { Sandbox } from './sandbox';

const run = promisify(execFile);
const SANDBOX_MERCHANT = 'Sandbox Shop';
const DEMO_CUSTOMER = 'cus_demo';

export interface SandboxReady {
  apiKey: string;
  offerId: string;
  dashboardUrl: string;
  portalUrl: string;
  curl: string;
}

/** A browser's cookies and redirects, enough to walk the product's OAuth flows as a person would. */
class CookieWalker {
  private cookies = new Map<string, string>();

  async follow(start: string, origin: string): Promise<string> {
    let url = start;
    for (let hops = 0; hops < 10; hops += 1) {
      const ours = url.startsWith(origin);
      const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
      const response = await fetch(url, {
        redirect: 'manual',
        headers: ours && cookie !== '' ? { cookie } : {},
      });
      for (const header of response.headers.getSetCookie()) {
        const [pair] = header.split(';');
        const [name, ...value] = (pair ?? '').split('=');
        if (ours && name !== undefined) this.cookies.set(name, value.join('='));
      }
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) {
        if (response.status >= 400)
          throw new Error(`${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
        await response.arrayBuffer();
        return url;
      }
      url = new URL(location, url).toString();
    }
    throw new Error('too many redirects');
  }
}

async function api(
  apiBase: string,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${apiBase}${path}`, {
    method,
    headers: {
      'x-inflow-api-key': apiKey,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text === '' ? null : (JSON.parse(text) as unknown);
}

/**
 * Sets up the demo through the product's own front doors: the admin CLI for the merchant and its key,
 * the bot install flow, the merchant API for the server settings and the offer, and the customer portal's
 * Connect Discord for a demo customer. Idempotent across restarts: the same merchant, server and offer are
 * reused; each start prints a fresh key.
 */
export async function setUpSandbox(
  sandbox: Sandbox,
  db: Database,
  apiBase: string,
  adminEntry: string,
  env: NodeJS.ProcessEnv,
): Promise<SandboxReady> {
  const existing = (await db.repositories.merchants.list()).find(
    (merchant) => merchant.name === SANDBOX_MERCHANT,
  );
  const args =
    existing === undefined
      ? ['merchant', 'create', '--name', SANDBOX_MERCHANT, '--json']
      : ['key', 'create', '--merchant', existing.id, '--label', 'sandbox', '--json'];
  const { stdout } = await run(process.execPath, [adminEntry, ...args], { env });
  const { apiKey } = JSON.parse(stdout) as { apiKey: string };

  const state = sandbox.emulator.state;
  state.setAuthorizingUser(SANDBOX.ownerId);
  const invite = (await api(apiBase, apiKey, 'GET', '/discord/invite-link')) as { url: string };
  await new CookieWalker().follow(invite.url, apiBase);

  await api(apiBase, apiKey, 'PUT', `/discord/guilds/${SANDBOX.guildId}`, {
    paymentChannelId: SANDBOX.paymentsChannelId,
    generalChannelId: SANDBOX.generalChannelId,
    inviteUrl: 'https://discord.gg/inflow-sandbox',
    notifications: {
      paymentSucceeded: true,
      paymentFailed: true,
      subscriptionCreated: true,
      subscriptionCanceled: true,
    },
  });
  const offers = (await api(apiBase, apiKey, 'GET', '/subscription/offer?limit=100')) as {
    data: Array<{ id: string; discordRoleId: string | null }>;
  };
  const offerId =
    offers.data.find((offer) => offer.discordRoleId === SANDBOX.vipRoleId)?.id ??
    (
      (await api(apiBase, apiKey, 'POST', '/subscription/offer', {
        name: 'VIP Monthly',
        description: 'The VIP role in the Inflow Sandbox server',
        amountInCents: 999,
        currency: 'EUR',
        interval: 'month',
        intervalCount: 1,
        discordGuildId: SANDBOX.guildId,
        discordRoleId: SANDBOX.vipRoleId,
      })) as { id: string }
    ).id;

  // The demo customer connects Discord as Alice, as a customer would from the checkout link.
  const portal = (await api(apiBase, apiKey, 'POST', '/customer/portal-session', {
    customerId: DEMO_CUSTOMER,
  })) as { url: string; connectDiscordUrl: string };
  state.setAuthorizingUser(SANDBOX.aliceId);
  await new CookieWalker().follow(portal.connectDiscordUrl, apiBase);
  const fresh = (await api(apiBase, apiKey, 'POST', '/customer/portal-session', {
    customerId: DEMO_CUSTOMER,
  })) as { url: string };

  const event = {
    id: 'evt_sandbox_$(date +%s)',
    type: 'subscription.created',
    occurredAt: '$(date -u +%Y-%m-%dT%H:%M:%SZ)',
    subscription: {
      id: 'sub_demo',
      offerId,
      status: 'ACTIVE',
      currentPeriodEnd: '2030-01-01T00:00:00Z',
      cancelAtPeriodEnd: false,
      customer: { id: DEMO_CUSTOMER, email: 'alice@example.com' },
    },
  };
  const curl = `curl -sS -X POST ${apiBase}/events -H 'content-type: application/json' -H 'X-Inflow-Api-Key: ${apiKey}' -d "${JSON.stringify(event).replace(/"/g, '\\"')}"`;
  return { apiKey, offerId, dashboardUrl: `${apiBase}/dashboard`, portalUrl: fresh.url, curl };
}
