import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type DiscordEmulator, startEmulator } from '../emulator';
import { type DemoSeed } from '../state/emulator-state';
import { eventually } from '../test/fixtures';
import { type GatewayClient, gatewayClient, rawGateway } from '../test/gateway-client';

const GUILDS = 1 << 0;
const GUILD_MEMBERS = 1 << 1;

let emulator: DiscordEmulator;
let seed: DemoSeed;
const clients: GatewayClient[] = [];

function connect(options: Parameters<typeof gatewayClient>[1]): GatewayClient {
  const client = gatewayClient(emulator, options);
  clients.push(client);
  return client;
}

// A snowflake whose timestamp puts the guild on `shard` of `count`: shard = (id >> 22) % count.
let nextTimestamp = 350_000_000_000;
function guildIdOnShard(shard: number, count: number): string {
  while (nextTimestamp % count !== shard) nextTimestamp += 1;
  const id = (BigInt(nextTimestamp) << 22n) | 1n;
  nextTimestamp += 1;
  return id.toString();
}

beforeAll(async () => {
  emulator = await startEmulator({
    heartbeatIntervalMs: 400,
    identify: { maxConcurrency: 16, intervalMs: 0 },
    resumeWindowMs: 10_000,
  });
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(() => {
  emulator.state.setPrivilegedIntents({ guildMembers: true });
  seed = emulator.state.seedDemo();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
});

describe('identify, READY and GUILD_CREATE', () => {
  it('sends READY with unavailable guilds, then GUILD_CREATE with roles, channels and members, and acks heartbeats', async () => {
    const client = connect({ intents: GUILDS | GUILD_MEMBERS });
    await client.manager.connect();
    const ready = await client.waitFor('READY');
    expect(ready.d).toMatchObject({
      v: 10,
      user: { id: emulator.botUserId, bot: true },
      session_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      resume_gateway_url: emulator.gatewayUrl,
      shard: [0, 1],
      application: { id: emulator.applicationId },
    });
    expect(ready.d.guilds).toContainEqual({ id: seed.guildId, unavailable: true });
    const created = await client.waitFor('GUILD_CREATE', (dispatch) => dispatch.d.id === seed.guildId);
    expect(created.d).toMatchObject({ id: seed.guildId, unavailable: false, member_count: 4 });
    expect((created.d.roles as { id: string }[]).map((role) => role.id)).toContain(seed.vipRoleId);
    expect((created.d.channels as { id: string }[]).map((channel) => channel.id)).toContain(
      seed.paymentsChannelId,
    );
    expect((created.d.members as unknown[]).length).toBe(4);
    expect(ready.s).toBe(1);
    expect(created.s).toBeGreaterThan(1);
    await eventually(() => client.heartbeats >= 2, 3000, 'two heartbeat acks');
  });

  it('dispatches member and role changes as they happen, with increasing sequence numbers', async () => {
    const client = connect({ intents: GUILDS | GUILD_MEMBERS });
    await client.manager.connect();
    await client.waitFor('GUILD_CREATE', (dispatch) => dispatch.d.id === seed.guildId);
    const { state } = emulator;
    const carol = seed.userIds[2]!;
    state.joinGuild(seed.guildId, carol);
    state.setMemberRoles(seed.guildId, carol, [seed.vipRoleId]);
    const role = state.createRole(seed.guildId, { name: 'Gold', position: 99 });
    state.deleteRole(seed.guildId, role.id);
    state.leaveGuild(seed.guildId, carol);
    const add = await client.waitFor('GUILD_MEMBER_REMOVE');
    expect(add.d).toMatchObject({ guild_id: seed.guildId, user: { id: carol } });
    expect(client.dispatches.slice(-5).map((dispatch) => dispatch.t)).toEqual([
      'GUILD_MEMBER_ADD',
      'GUILD_MEMBER_UPDATE',
      'GUILD_ROLE_CREATE',
      'GUILD_ROLE_DELETE',
      'GUILD_MEMBER_REMOVE',
    ]);
    expect(client.of('GUILD_MEMBER_UPDATE', seed.guildId).at(-1)?.d).toMatchObject({
      roles: [seed.vipRoleId],
      user: { id: carol },
    });
    expect(client.of('GUILD_ROLE_DELETE', seed.guildId).at(-1)?.d).toEqual({
      guild_id: seed.guildId,
      role_id: role.id,
    });
    const seqs = client.dispatches.map((dispatch) => dispatch.s);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    state.removeBot(seed.guildId);
    const deleted = await client.waitFor('GUILD_DELETE', (dispatch) => dispatch.d.id === seed.guildId);
    expect(deleted.d).toEqual({ id: seed.guildId });
  });

  it('withholds member events and member lists without the GUILD_MEMBERS intent', async () => {
    const client = connect({ intents: GUILDS });
    await client.manager.connect();
    const created = await client.waitFor('GUILD_CREATE', (dispatch) => dispatch.d.id === seed.guildId);
    expect((created.d.members as { user: { id: string } }[]).map((member) => member.user.id)).toEqual([
      emulator.botUserId,
    ]);
    emulator.state.joinGuild(seed.guildId, seed.userIds[2]!);
    emulator.state.createRole(seed.guildId, { name: 'Marker' });
    await client.waitFor('GUILD_ROLE_CREATE', (dispatch) => dispatch.d.guild_id === seed.guildId);
    expect(client.of('GUILD_MEMBER_ADD')).toEqual([]);
  });

  it('omits the member list of large guilds and serves it through REQUEST_GUILD_MEMBERS (op 8)', async () => {
    const { state } = emulator;
    for (let i = 0; i < 50; i += 1)
      state.joinGuild(seed.guildId, state.createUser({ username: `member${i}` }).id);
    const client = connect({ intents: GUILDS | GUILD_MEMBERS });
    await client.manager.connect();
    const created = await client.waitFor('GUILD_CREATE', (dispatch) => dispatch.d.id === seed.guildId);
    expect(created.d).toMatchObject({ large: true, member_count: 54 });
    expect((created.d.members as { user: { id: string } }[]).map((member) => member.user.id)).toEqual([
      emulator.botUserId,
    ]);
    await client.manager.send(0, { op: 8, d: { guild_id: seed.guildId, query: '', limit: 0, nonce: 'all' } });
    const chunk = await client.waitFor('GUILD_MEMBERS_CHUNK');
    expect(chunk.d).toMatchObject({ guild_id: seed.guildId, chunk_index: 0, chunk_count: 1, nonce: 'all' });
    expect(chunk.d.members as unknown[]).toHaveLength(54);
  });
});

describe('close codes', () => {
  it('closes with 4004 on a bad token and does not reconnect', async () => {
    const client = connect({ intents: GUILDS, token: 'wrong-token' });
    // connect() waits for READY and rejects with the shard's error.
    await expect(client.manager.connect()).rejects.toThrow('Authentication failed');
    await eventually(() => client.closes.some((close) => close.code === 4004), 3000, 'close 4004');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(client.closes.filter((close) => close.code === 4004)).toHaveLength(1);
  });

  it('closes with 4014 when GUILD_MEMBERS is not granted to the app', async () => {
    emulator.state.setPrivilegedIntents({ guildMembers: false });
    const client = connect({ intents: GUILDS | GUILD_MEMBERS });
    await expect(client.manager.connect()).rejects.toThrow('Used disallowed intents');
    await eventually(() => client.closes.some((close) => close.code === 4014), 3000, 'close 4014');
  });

  it('closes with 4013, 4010, 4003, 4005, 4012 and 4008 for the matching mistakes', async () => {
    const identify = (d: Record<string, unknown>) =>
      JSON.stringify({
        op: 2,
        d: {
          token: emulator.botToken,
          properties: { os: 'linux', browser: 't', device: 't' },
          intents: 1,
          ...d,
        },
      });
    const invalidIntents = await rawGateway(emulator);
    invalidIntents.socket.send(identify({ intents: 1 << 30 }));
    await expect(invalidIntents.closed).resolves.toEqual({ code: 4013, reason: 'Invalid intent(s).' });

    const invalidShard = await rawGateway(emulator);
    invalidShard.socket.send(identify({ shard: [2, 2] }));
    await expect(invalidShard.closed).resolves.toMatchObject({ code: 4010 });

    const early = await rawGateway(emulator);
    early.socket.send(
      JSON.stringify({ op: 3, d: { status: 'online', since: null, activities: [], afk: false } }),
    );
    await expect(early.closed).resolves.toMatchObject({ code: 4003 });

    const twice = await rawGateway(emulator);
    twice.socket.send(identify({}));
    twice.socket.send(identify({}));
    await expect(twice.closed).resolves.toMatchObject({ code: 4005 });
    expect(twice.messages.map((message) => message.op)).toEqual(expect.arrayContaining([10, 0]));

    const version = await rawGateway(emulator, '?v=9&encoding=json');
    await expect(version.closed).resolves.toMatchObject({ code: 4012 });

    const chatty = await rawGateway(emulator);
    for (let i = 0; i < 121; i += 1) chatty.socket.send(JSON.stringify({ op: 1, d: null }));
    await expect(chatty.closed).resolves.toEqual({ code: 4008, reason: 'Rate limited.' });
    expect(chatty.messages.filter((message) => message.op === 11)).toHaveLength(120);
  });

  it('refuses ETF and transport compression at the upgrade', async () => {
    await expect(rawGateway(emulator, '?v=10&encoding=etf')).rejects.toThrow(/400/);
    await expect(rawGateway(emulator, '?v=10&encoding=json&compress=zlib-stream')).rejects.toThrow(/400/);
  });
});

describe('resume, reconnect and invalid session', () => {
  it('resumes after a dropped connection and replays what was missed', async () => {
    const client = connect({ intents: GUILDS | GUILD_MEMBERS });
    await client.manager.connect();
    await client.waitFor('GUILD_CREATE', (dispatch) => dispatch.d.id === seed.guildId);
    const sessionId = (client.dispatches[0]!.d as { session_id: string }).session_id;

    expect(emulator.faults.dropGatewayConnections()).toBe(1);
    await eventually(() => emulator.gatewayCounts().connections === 0, 2000, 'socket gone');
    // Happens while the bot is disconnected: must arrive on resume.
    emulator.state.joinGuild(seed.guildId, seed.userIds[2]!);
    await client.waitFor('RESUMED', () => true, 5000);
    expect(client.resumed).toBe(1);
    const missed = await client.waitFor(
      'GUILD_MEMBER_ADD',
      (dispatch) => (dispatch.d.user as { id: string }).id === seed.userIds[2],
    );
    expect(client.of('READY')).toHaveLength(1);
    expect(missed.s).toBeGreaterThan(1);
    expect(emulator.gatewayCounts()).toEqual({ connections: 1, sessions: 1 });
    expect(sessionId).toBeTruthy();
  });

  it('resumes after RECONNECT (op 7)', async () => {
    const client = connect({ intents: GUILDS });
    await client.manager.connect();
    await client.waitFor('READY');
    expect(emulator.faults.forceReconnect()).toBe(1);
    await client.waitFor('RESUMED');
    emulator.state.createRole(seed.guildId, { name: 'After reconnect' });
    await client.waitFor(
      'GUILD_ROLE_CREATE',
      (dispatch) => (dispatch.d.role as { name: string }).name === 'After reconnect',
    );
    expect(client.of('READY')).toHaveLength(1);
  });

  it('identifies again after a non-resumable INVALID_SESSION (op 9)', async () => {
    const client = connect({ intents: GUILDS });
    await client.manager.connect();
    await client.waitFor('READY');
    expect(emulator.faults.forceInvalidSession(false)).toBe(1);
    await eventually(() => client.of('READY').length === 2, 5000, 'second READY');
    const [first, second] = client.of('READY');
    expect(second!.d.session_id).not.toBe(first!.d.session_id);
    expect(second!.s).toBe(1);
  });

  it('resumes on the same socket after a resumable INVALID_SESSION', async () => {
    const client = connect({ intents: GUILDS });
    await client.manager.connect();
    await client.waitFor('READY');
    emulator.faults.forceInvalidSession(true);
    await client.waitFor('RESUMED');
    expect(client.of('READY')).toHaveLength(1);
  });
});

describe('sharding', () => {
  it('routes each guild to shard (guild_id >> 22) % shard_count', async () => {
    const { state } = emulator;
    const owner = state.authorizingUserId;
    const onShard0 = state.createGuild({ id: guildIdOnShard(0, 2), name: 'Shard zero', ownerId: owner });
    const onShard1 = state.createGuild({ id: guildIdOnShard(1, 2), name: 'Shard one', ownerId: owner });
    state.installBot(onShard0.id, { permissions: '268454913' });
    state.installBot(onShard1.id, { permissions: '268454913' });

    const client = connect({ intents: GUILDS | GUILD_MEMBERS, shardCount: 2 });
    await client.manager.connect();
    await client.waitFor('GUILD_CREATE', (dispatch) => dispatch.d.id === onShard0.id);
    await client.waitFor('GUILD_CREATE', (dispatch) => dispatch.d.id === onShard1.id);
    const shardOf = (guildId: string) =>
      client.of('GUILD_CREATE', guildId).map((dispatch) => dispatch.shardId);
    expect(shardOf(onShard0.id)).toEqual([0]);
    expect(shardOf(onShard1.id)).toEqual([1]);
    const readies = client.of('READY');
    expect(readies.map((ready) => ready.d.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);

    state.joinGuild(onShard1.id, seed.userIds[0]!);
    const add = await client.waitFor('GUILD_MEMBER_ADD', (dispatch) => dispatch.d.guild_id === onShard1.id);
    expect(add.shardId).toBe(1);
    expect(client.of('GUILD_MEMBER_ADD', onShard1.id)).toHaveLength(1);
  });
});
