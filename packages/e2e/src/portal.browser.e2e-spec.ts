import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually } from '@inflow/testing';
import { launchBrowser, screenshot } from './browser';
import { createOffer, merchantWithGuild, subscriptionEvent, type Merchant } from './merchant-setup';
import { Stack } from './stack';

/**
 * A customer in a real browser: portal -> Connect -> Discord consent (the emulator's) -> back in the
 * portal with the role granted; Disconnect -> role gone; Switch account -> role moved.
 */
describe('customer portal in Chromium', () => {
  let stack: Stack;
  let acme: Merchant;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let carol: string;
  let dave: string;

  beforeAll(async () => {
    stack = await Stack.start({ services: ['api', 'role-sync-worker', 'gateway-worker'] });
    acme = await merchantWithGuild(stack, 'Acme Shop');
    const offer = await createOffer(stack, acme, stack.seed.vipRoleId);
    expect(
      (
        await stack.api(
          'POST',
          '/events',
          acme.apiKey,
          subscriptionEvent(offer, 'sub_1', 'cus_1', 'subscription.created', 'ACTIVE'),
        )
      ).status,
    ).toBe(202);
    carol = stack.seed.userIds[2]!;
    dave = stack.emulator.state.createUser({ username: 'dave', globalName: 'Dave' }).id;
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stack.stop();
  });

  async function portalShows(text: string): Promise<void> {
    await eventually(
      async () => {
        await page.reload();
        expect(await page.textContent('main')).toContain(text);
      },
      20_000,
      500,
    );
  }

  it('connects Discord at checkout and shows the role granted', async () => {
    const links = (await stack.api('POST', '/customer/portal-session', acme.apiKey, { customerId: 'cus_1' }))
      .body as { connectDiscordUrl: string; url: string };
    stack.emulator.state.setAuthorizingUser(carol);
    await page.goto(links.connectDiscordUrl);
    await page.waitForURL(/\/portal\?notice=linked$/);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Discord is connected');
    await screenshot(page, 'portal-1-linked');
    await portalShows('Role granted.');
    expect(stack.roles(carol)).toEqual([stack.seed.vipRoleId]);
    await screenshot(page, 'portal-2-role-granted');
  });

  it('disconnects Discord and the role goes away', async () => {
    await page.getByRole('button', { name: 'Disconnect Discord' }).click();
    await page.waitForURL(/notice=disconnected$/);
    await screenshot(page, 'portal-3-disconnected');
    await eventually(() => expect(stack.roles(carol)).not.toContain(stack.seed.vipRoleId), 15_000);
    await expect(page.textContent('main')).resolves.toContain('Connect Discord to get your role.');
  });

  it('switches account and the role moves to the new one', async () => {
    stack.emulator.state.setAuthorizingUser(carol);
    await page.getByRole('button', { name: 'Connect Discord' }).click();
    await page.waitForURL(/notice=linked$/);
    await eventually(() => expect(stack.roles(carol)).toContain(stack.seed.vipRoleId), 15_000);

    stack.emulator.state.setAuthorizingUser(dave);
    await page.getByRole('button', { name: 'Switch account' }).click();
    await page.waitForURL(/notice=switched$/);
    await eventually(() => {
      expect(stack.roles(dave)).toContain(stack.seed.vipRoleId);
      expect(stack.roles(carol)).not.toContain(stack.seed.vipRoleId);
    }, 15_000);
    await portalShows('Connected as Dave');
    await screenshot(page, 'portal-4-switched');
  });

  it('asks to join the server when the customer gave no guilds.join and is not a member', async () => {
    await stack.t.sql(`UPDATE discord_link SET scopes = '{identify}'`);
    stack.emulator.state.leaveGuild(stack.guildId, dave);
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh my roles' }).click();
        await page.waitForURL(/notice=refresh/);
        expect(await page.textContent('main')).toContain('Join the server to get your role');
      },
      70_000,
      2000,
    );
    await screenshot(page, 'portal-5-join-the-server');
  });
});
