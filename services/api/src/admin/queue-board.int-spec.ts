import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiHarness, type TestMerchant } from '../test/api-harness';

describe('the queue dashboard at /admin/queues', () => {
  let h: ApiHarness;
  let merchant: TestMerchant;
  let operator: TestMerchant;

  beforeAll(async () => {
    h = await ApiHarness.start();
    merchant = await h.createMerchant('Acme');
    operator = await h.createMerchant('Ops');
    await h.t.db.repositories.merchants.setOperator(operator.merchantId, true);
  });

  afterAll(async () => {
    await h.stop();
  });

  async function signIn(key: string): Promise<string> {
    const response = await fetch(`${h.baseUrl}/dashboard/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: h.baseUrl },
      body: new URLSearchParams({ apiKey: key }).toString(),
    });
    return response.headers.get('set-cookie')!.split(';')[0]!;
  }

  it('sends visitors without a session to the sign-in page', async () => {
    const response = await fetch(`${h.baseUrl}/admin/queues`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/login');
  });

  it('keeps merchants who are not operators out: it shows every merchant’s jobs', async () => {
    const response = await fetch(`${h.baseUrl}/admin/queues`, {
      headers: { cookie: await signIn(merchant.apiKey) },
      redirect: 'manual',
    });
    expect(response.status).toBe(403);
  });

  it('shows operators the board and every queue', async () => {
    const cookie = await signIn(operator.apiKey);
    const page = await fetch(`${h.baseUrl}/admin/queues`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const queues = await fetch(
      `${h.baseUrl}/admin/queues/api/queues?activeQueue=role-sync&page=1&jobsPerPage=10`,
      { headers: { cookie } },
    );
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: Array<{ name: string }> }).queues
      .map((queue) => queue.name)
      .sort();
    expect(names).toEqual(['cleanup', 'notifications', 'role-sync']);
  });
});
