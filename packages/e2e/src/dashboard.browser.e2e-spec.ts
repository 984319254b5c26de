import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot } from './browser';
import { Stack } from './stack';

/**
 * The seed's setup steps in the merchant dashboard, in Chromium: sign in, get the invite link and install
 * the bot (the emulator is Discord's consent screen), select the server, set channels, invite URL and
 * toggles, create an offer with a role, and watch its diagnostic turn from red to green once the bot's
 * role is moved above it.
 */
describe('merchant dashboard in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let apiKey: string;
  let guildId: string;
  let vipRoleId: string;
  let channels: { payments: string; general: string };

  beforeAll(async () => {
    stack = await Stack.start({ services: ['api', 'gateway-worker'] });
    apiKey = `inflow_priv_${randomBytes(32).toString('base64url')}`;
    await stack.db.repositories.merchants.createWithApiKey('Acme Shop', {
      keyHash: createHash('sha256').update(apiKey).digest(),
      keyPrefix: apiKey.slice(0, 18),
    });
    const state = stack.emulator.state;
    guildId = state.createGuild({ name: 'Acme Community', ownerId: stack.seed.authorizingUserId }).id;
    vipRoleId = state.createRole(guildId, { name: 'VIP', position: 1 }).id;
    channels = {
      payments: state.createChannel(guildId, { name: 'payments' }).id,
      general: state.createChannel(guildId, { name: 'general' }).id,
    };
    state.setDefaultInstallGuild(guildId);
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stack.stop();
  });

  const base = () => `http://127.0.0.1:${stack.ports.get('api')}`;

  it('signs in with the API key', async () => {
    await page.goto(`${base()}/dashboard`);
    await page.waitForURL(/\/dashboard\/login$/);
    await page.getByLabel('API key').fill('inflow_priv_wrong_wrong_wrong_wrong_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('unknown or was revoked');
    await page.getByLabel('API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard\/integrations\/discord$/);
    await screenshot(page, 'dashboard-1-discord-integration');
  });

  it('Step 1: gets the invite link and installs the bot', async () => {
    await page.getByRole('button', { name: 'Get Invite Link' }).click();
    await page.waitForURL(/\/oauth\/discord\/bot-callback/);
    await expect(page.textContent('h1')).resolves.toBe('Inflow is in "Acme Community"');
    await screenshot(page, 'dashboard-2-bot-installed');
    await page.goto(`${base()}/dashboard/integrations/discord`);
    await expect(page.locator(`tr[data-guild="${guildId}"]`).textContent()).resolves.toContain(
      'Acme Community',
    );
  });

  it('Step 2: selects the server and sets channels, invite URL and toggles', async () => {
    await page.getByRole('link', { name: 'Select server' }).click();
    await page.getByLabel('Payment channel').selectOption(channels.payments);
    await page.getByLabel('General channel').selectOption(channels.general);
    await page.getByLabel(/Discord invite URL/).fill('https://discord.gg/acme');
    await page.getByLabel('Subscription canceled').uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('Settings saved.');
    await screenshot(page, 'dashboard-3-server-settings');
    const guild = await stack.db.repositories.discordGuilds.findById(guildId);
    expect(guild).toMatchObject({
      paymentChannelId: channels.payments,
      generalChannelId: channels.general,
      inviteUrl: 'https://discord.gg/acme',
      notifySubscriptionCanceled: false,
      notifyPaymentSucceeded: true,
    });
  });

  it('Step 3: creates an offer with the role; its diagnostic turns green after the bot role moves up', async () => {
    await page.getByRole('link', { name: 'Offers' }).click();
    await page.getByLabel('Name').fill('VIP Monthly');
    await page.getByLabel('Price').fill('9.99');
    await page.getByLabel('Discord server and role').selectOption(`${guildId}:${vipRoleId}`);
    await page.getByRole('button', { name: 'Create offer' }).click();
    await page.waitForURL(new RegExp(`/dashboard/guilds/${guildId}\\?notice=offer-created$`));
    const problem = page.locator('[data-diagnostic="problem"]');
    await expect(problem.textContent()).resolves.toMatch(/above "VIP"/);
    await screenshot(page, 'dashboard-4-diagnostic-red');

    stack.emulator.state.moveBotRole(guildId, 5);
    await page.getByRole('button', { name: 'Re-check permissions' }).click();
    await expect(page.locator('[data-diagnostic="ok"]').textContent()).resolves.toContain(
      'OK: the bot can grant this role',
    );
    await screenshot(page, 'dashboard-5-diagnostic-green');
  });

  it('shows the activity page with its chart, and the member search', async () => {
    await page.getByRole('link', { name: 'Activity' }).click();
    await expect(page.locator('svg[role="img"]').getAttribute('aria-label')).resolves.toContain(
      'Role changes in the last 24 hours',
    );
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByLabel('Customer id or Discord user id').fill('cus_nobody');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.textContent('main')).resolves.toContain('No linked member matches');
    await screenshot(page, 'dashboard-6-members');
  });
});
