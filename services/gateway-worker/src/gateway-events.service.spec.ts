import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Registry } from 'prom-client';
import { DiscordRequestError } from '@inflow/discord';
import { GatewayEventsService } from './gateway-events.service';
import { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics';
import {
  BOT_USER_ID,
  capturingLogger,
  dispatch,
  FakeRepositories,
  GUILD_ID,
  guildRow,
  LINKED_USER_ID,
  member,
  MEMBER_ROLE_ID,
  OTHER_GUILD_ID,
  OTHER_LINKED_USER_ID,
  RecordingJobSink,
  ScriptedHealthChecker,
  UNLINKED_USER_ID,
  VIP_ROLE_ID,
} from './test/fakes';

const DEBOUNCE_MS = 2_000;
const RETRY_MS = 30_000;
const NOW = new Date('2026-11-24T10:00:00Z');

let repositories: FakeRepositories;
let jobs: RecordingJobSink;
let health: ScriptedHealthChecker;
let log: ReturnType<typeof capturingLogger>;
let metrics: GatewayMetrics;
let service: GatewayEventsService;

function discordError(
  status: number,
  code: number | null,
  classification: DiscordRequestError['classification'],
) {
  return new DiscordRequestError({
    method: 'GET',
    route: '/guilds/{guild_id}/roles',
    auth: 'bot',
    status,
    code,
    classification,
    detail: 'test',
  });
}

async function counterValue(
  counter: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> },
  labels: object,
) {
  const { values } = await counter.get();
  return values.find((entry) => JSON.stringify(entry.labels) === JSON.stringify(labels))?.value ?? 0;
}

beforeEach(async () => {
  jest.useFakeTimers({ now: NOW });
  repositories = new FakeRepositories();
  repositories.guilds.set(GUILD_ID, guildRow(GUILD_ID));
  repositories.link(GUILD_ID, LINKED_USER_ID);
  repositories.link(GUILD_ID, OTHER_LINKED_USER_ID);
  jobs = new RecordingJobSink();
  health = new ScriptedHealthChecker();
  log = capturingLogger();
  metrics = createGatewayMetrics(new Registry());
  service = new GatewayEventsService(repositories, jobs, health, () => new Date(), {
    logger: log.logger,
    metrics,
    healthDebounceMs: DEBOUNCE_MS,
    healthRetryMs: RETRY_MS,
    healthRetries: 2,
    eventRetryMs: 10,
  });
  await service.accept(dispatch('READY', { user: { id: BOT_USER_ID, bot: true }, guilds: [] }));
});

afterEach(async () => {
  await service.close();
  jest.useRealTimers();
});

describe('member events', () => {
  it('records a linked member who joins with their roles and asks for their role sync', async () => {
    await service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, LINKED_USER_ID, [MEMBER_ROLE_ID])));
    expect(repositories.member(GUILD_ID, LINKED_USER_ID)).toEqual({
      presence: 'member',
      roles: [MEMBER_ROLE_ID],
      seenAt: NOW,
    });
    expect(jobs.jobs).toEqual([{ guildId: GUILD_ID, userId: LINKED_USER_ID, reason: 'member-join' }]);
  });

  it('asks again when the join repeats: the sync, not the gateway, makes it idempotent', async () => {
    await service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, LINKED_USER_ID, [])));
    await service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, LINKED_USER_ID, [])));
    expect(jobs.jobs).toHaveLength(2);
  });

  it('records an unlinked member but asks for no sync', async () => {
    await service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, UNLINKED_USER_ID, [])));
    expect(repositories.member(GUILD_ID, UNLINKED_USER_ID)?.presence).toBe('member');
    expect(jobs.jobs).toEqual([]);
  });

  it('ignores members of guilds no merchant installed the bot in', async () => {
    repositories.link(OTHER_GUILD_ID, LINKED_USER_ID);
    await service.accept(dispatch('GUILD_MEMBER_ADD', member(OTHER_GUILD_ID, LINKED_USER_ID, [])));
    await service.accept(dispatch('GUILD_MEMBER_UPDATE', member(OTHER_GUILD_ID, LINKED_USER_ID, [])));
    expect(repositories.members.size).toBe(0);
    expect(jobs.jobs).toEqual([]);
  });

  it('records the roles a moderator left a linked member with and asks for a sync that heals a removed paid role', async () => {
    await service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, LINKED_USER_ID, [VIP_ROLE_ID])));
    jest.setSystemTime(new Date(NOW.getTime() + 60_000));
    await service.accept(dispatch('GUILD_MEMBER_UPDATE', member(GUILD_ID, LINKED_USER_ID, [MEMBER_ROLE_ID])));
    expect(repositories.member(GUILD_ID, LINKED_USER_ID)).toMatchObject({
      roles: [MEMBER_ROLE_ID],
      seenAt: new Date(NOW.getTime() + 60_000),
    });
    expect(jobs.jobs.at(-1)).toEqual({ guildId: GUILD_ID, userId: LINKED_USER_ID, reason: 'member-update' });
  });

  it("treats the bot's own member update as a change of what it may assign: a health check, no member record", async () => {
    await service.accept(dispatch('GUILD_MEMBER_UPDATE', member(GUILD_ID, BOT_USER_ID, [VIP_ROLE_ID])));
    expect(repositories.members.size).toBe(0);
    expect(jobs.jobs).toEqual([]);
    expect(health.checked).toEqual([]);
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(health.checked).toEqual([GUILD_ID]);
  });

  it('marks a member who left as absent and their grants as not applied', async () => {
    await service.accept(
      dispatch('GUILD_MEMBER_REMOVE', { guild_id: GUILD_ID, user: { id: LINKED_USER_ID } }),
    );
    expect(repositories.member(GUILD_ID, LINKED_USER_ID)).toMatchObject({ presence: 'absent', roles: null });
    expect(repositories.writes).toEqual([
      `recordSeen ${LINKED_USER_ID} absent`,
      `markMemberLeft ${LINKED_USER_ID}`,
    ]);
    expect(jobs.jobs).toEqual([]);
  });

  it("leaves grants alone for removals in unknown guilds and for the bot's own removal", async () => {
    await service.accept(
      dispatch('GUILD_MEMBER_REMOVE', { guild_id: OTHER_GUILD_ID, user: { id: LINKED_USER_ID } }),
    );
    await service.accept(dispatch('GUILD_MEMBER_REMOVE', { guild_id: GUILD_ID, user: { id: BOT_USER_ID } }));
    expect(repositories.writes).toEqual([]);
  });

  it("handles one guild's events in arrival order even when a write is slow", async () => {
    let release: () => void = () => undefined;
    repositories.pause = (what) =>
      what.endsWith('member') ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    const update = service.accept(dispatch('GUILD_MEMBER_UPDATE', member(GUILD_ID, LINKED_USER_ID, [])));
    const removal = service.accept(
      dispatch('GUILD_MEMBER_REMOVE', { guild_id: GUILD_ID, user: { id: LINKED_USER_ID } }),
    );
    await jest.advanceTimersByTimeAsync(10);
    expect(repositories.writes).toEqual([]);
    release();
    await Promise.all([update, removal]);
    expect(repositories.writes).toEqual([
      `recordSeen ${LINKED_USER_ID} member`,
      `recordSeen ${LINKED_USER_ID} absent`,
      `markMemberLeft ${LINKED_USER_ID}`,
    ]);
    expect(repositories.member(GUILD_ID, LINKED_USER_ID)?.presence).toBe('absent');
  });
});

describe('guild events', () => {
  it('marks a bound guild present, records and syncs its linked members, then checks its health', async () => {
    repositories.guilds.set(GUILD_ID, guildRow(GUILD_ID, { installStatus: 'removed', removedAt: NOW }));
    await service.accept(
      dispatch('GUILD_CREATE', {
        id: GUILD_ID,
        name: 'Renamed Community',
        unavailable: false,
        members: [
          member(GUILD_ID, BOT_USER_ID, [VIP_ROLE_ID]),
          member(GUILD_ID, LINKED_USER_ID, [MEMBER_ROLE_ID]),
          member(GUILD_ID, UNLINKED_USER_ID, []),
          member(GUILD_ID, OTHER_LINKED_USER_ID, []),
        ],
      }),
    );
    expect(repositories.guilds.get(GUILD_ID)).toMatchObject({
      name: 'Renamed Community',
      installStatus: 'installed',
    });
    expect([...repositories.members.keys()]).toEqual([
      `${GUILD_ID}:${LINKED_USER_ID}`,
      `${GUILD_ID}:${OTHER_LINKED_USER_ID}`,
    ]);
    expect(repositories.member(GUILD_ID, LINKED_USER_ID)?.roles).toEqual([MEMBER_ROLE_ID]);
    expect(jobs.jobs).toEqual([
      { guildId: GUILD_ID, userId: LINKED_USER_ID, reason: 'drift' },
      { guildId: GUILD_ID, userId: OTHER_LINKED_USER_ID, reason: 'drift' },
    ]);
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(health.checked).toEqual([GUILD_ID]);
  });

  it('does nothing for guilds no merchant installed the bot in, nor for unavailable ones', async () => {
    repositories.link(OTHER_GUILD_ID, LINKED_USER_ID);
    await service.accept(
      dispatch('GUILD_CREATE', {
        id: OTHER_GUILD_ID,
        name: 'Elsewhere',
        members: [member(OTHER_GUILD_ID, LINKED_USER_ID, [])],
      }),
    );
    await service.accept(dispatch('GUILD_CREATE', { id: GUILD_ID, name: 'Outage', unavailable: true }));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(repositories.writes).toEqual([]);
    expect(jobs.jobs).toEqual([]);
    expect(health.checked).toEqual([]);
  });

  it('marks the guild removed when the bot is removed, and cancels its pending health check', async () => {
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    await service.accept(dispatch('GUILD_DELETE', { id: GUILD_ID }));
    expect(repositories.guilds.get(GUILD_ID)).toMatchObject({ installStatus: 'removed', removedAt: NOW });
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS * 2);
    expect(health.checked).toEqual([]);
  });

  it('leaves the installation alone when a guild is only unavailable (an outage)', async () => {
    await service.accept(dispatch('GUILD_DELETE', { id: GUILD_ID, unavailable: true }));
    expect(repositories.writes).toEqual([]);
    expect(repositories.guilds.get(GUILD_ID)?.installStatus).toBe('installed');
  });
});

describe('guild health after role and bot changes', () => {
  it('gathers a burst of role changes into one check, and a later change into another', async () => {
    for (const t of ['GUILD_ROLE_CREATE', 'GUILD_ROLE_UPDATE', 'GUILD_ROLE_UPDATE', 'GUILD_ROLE_DELETE']) {
      await service.accept(
        dispatch(t, { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID }, role_id: VIP_ROLE_ID }),
      );
      await jest.advanceTimersByTimeAsync(300);
    }
    await service.accept(dispatch('GUILD_MEMBER_UPDATE', member(GUILD_ID, BOT_USER_ID, [])));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(health.checked).toEqual([GUILD_ID]);
    await service.accept(dispatch('GUILD_ROLE_DELETE', { guild_id: GUILD_ID, role_id: VIP_ROLE_ID }));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(health.checked).toEqual([GUILD_ID, GUILD_ID]);
  });

  it('checks once more when a change arrives while a check reads Discord', async () => {
    let finish: () => void = () => undefined;
    health.next = () => new Promise((resolve) => (finish = () => resolve({})));
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(health.checked).toHaveLength(1);
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    health.next = () => Promise.resolve({});
    finish();
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(health.checked).toHaveLength(2);
  });

  it('checks guilds independently', async () => {
    repositories.guilds.set(OTHER_GUILD_ID, guildRow(OTHER_GUILD_ID));
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    await service.accept(
      dispatch('GUILD_ROLE_UPDATE', { guild_id: OTHER_GUILD_ID, role: { id: VIP_ROLE_ID } }),
    );
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(health.checked.sort()).toEqual([OTHER_GUILD_ID, GUILD_ID].sort());
  });

  it('logs each newly opened merchant alert at warn level', async () => {
    health.next = () =>
      Promise.resolve({
        ok: false,
        opened: [{ alertId: '17', kind: 'offer_role_above_bot', message: 'Move the bot role above VIP.' }],
      });
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'merchant alert opened',
        guildId: GUILD_ID,
        kind: 'offer_role_above_bot',
        alertId: '17',
      }),
    );
    expect(await counterValue(metrics.healthChecks, { outcome: 'needs_action' })).toBe(1);
    expect(jobs.jobs).toEqual([]);
  });

  it('re-syncs the members held by the setup once the guild recovers', async () => {
    repositories.needsAction.set(GUILD_ID, [LINKED_USER_ID, OTHER_LINKED_USER_ID]);
    health.next = () => Promise.resolve({ ok: true, recovered: true });
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(jobs.jobs).toEqual([
      { guildId: GUILD_ID, userId: LINKED_USER_ID, reason: 'drift' },
      { guildId: GUILD_ID, userId: OTHER_LINKED_USER_ID, reason: 'drift' },
    ]);
  });

  it('skips the check for a guild that was removed meanwhile', async () => {
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    repositories.guilds.set(GUILD_ID, guildRow(GUILD_ID, { installStatus: 'removed' }));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(health.checked).toEqual([]);
  });

  it('marks a guild that answers 403 Missing Access unreachable, without retrying', async () => {
    health.next = () =>
      Promise.reject(
        discordError(403, 50001, { kind: 'needs_merchant_action', code: 'missing_access', fix: 're-invite' }),
      );
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS + RETRY_MS * 3);
    expect(health.checked).toHaveLength(1);
    expect(repositories.guilds.get(GUILD_ID)).toMatchObject({
      healthStatus: 'unreachable',
      healthDetail: [expect.objectContaining({ code: 'bot_unreachable', severity: 'error' })],
    });
  });

  it('checks again later, a bounded number of times, when Discord fails with a 5xx', async () => {
    health.next = () =>
      Promise.reject(discordError(502, null, { kind: 'retryable', reason: 'server_error' }));
    await service.accept(dispatch('GUILD_ROLE_UPDATE', { guild_id: GUILD_ID, role: { id: VIP_ROLE_ID } }));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(health.checked).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(RETRY_MS);
    expect(health.checked).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(RETRY_MS * 5);
    expect(health.checked).toHaveLength(3);
    expect(repositories.guilds.get(GUILD_ID)?.healthStatus).toBe('healthy');
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'guild health check failed' }),
    );
  });
});

describe('failures and shutdown', () => {
  it('tries a failed event again and goes on with the next one', async () => {
    repositories.failures.set('recordSeen', [new Error('connection reset')]);
    await service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, LINKED_USER_ID, [])));
    expect(jobs.jobs).toHaveLength(1);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'gateway event failed; trying again' }),
    );
  });

  it('gives an event up after its tries, counts it, and still handles the guild’s later events', async () => {
    repositories.failures.set('recordSeen', [new Error('down'), new Error('down'), new Error('down')]);
    const failing = service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, LINKED_USER_ID, [])));
    await jest.advanceTimersByTimeAsync(100);
    await failing;
    await service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, OTHER_LINKED_USER_ID, [])));
    expect(jobs.jobs).toEqual([{ guildId: GUILD_ID, userId: OTHER_LINKED_USER_ID, reason: 'member-join' }]);
    expect(await counterValue(metrics.eventFailures, { type: 'GUILD_MEMBER_ADD' })).toBe(1);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error', event: 'GUILD_MEMBER_ADD' }));
  });

  it('on close, finishes the events in hand, drops pending checks and takes no new events', async () => {
    let release: () => void = () => undefined;
    repositories.pause = () => new Promise<void>((resolve) => (release = resolve));
    void service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, LINKED_USER_ID, [])));
    await service.accept(
      dispatch('GUILD_ROLE_UPDATE', { guild_id: OTHER_GUILD_ID, role: { id: VIP_ROLE_ID } }),
    );
    await jest.advanceTimersByTimeAsync(10);
    let closed = false;
    const closing = service.close().then(() => (closed = true));
    await jest.advanceTimersByTimeAsync(10);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(jobs.jobs).toHaveLength(1);
    await service.accept(dispatch('GUILD_MEMBER_ADD', member(GUILD_ID, OTHER_LINKED_USER_ID, [])));
    await jest.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(jobs.jobs).toHaveLength(1);
    expect(health.checked).toEqual([]);
  });
});
