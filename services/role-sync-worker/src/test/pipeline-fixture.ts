import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { SubscriptionStatus } from '@inflow/contracts';
import { TokenCipher } from '@inflow/db';
import { DiscordBotClient, DiscordOAuthClient } from '@inflow/discord';
import { startEmulator, type DemoSeed, type DiscordEmulator } from '@inflow/discord-emulator';
import { GuildHealthService } from '@inflow/guild-health';
import { createTestDatabase, type TestDatabase } from '@inflow/testing';
import { MassRemovalBrake, type MassRemovalBrakeOptions } from '../mass-removal-brake';
import { MemberJoiner } from '../member-joiner';
import { RoleSyncService } from '../role-sync.service';

const CALLBACK = 'http://127.0.0.1:1/oauth/discord/callback';

export interface SubscriptionSetup {
  status: SubscriptionStatus;
  currentPeriodEnd?: Date | null;
  cancelAtPeriodEnd?: boolean;
  pastDueSince?: Date | null;
}

/**
 * A merchant with a connected demo guild in the emulator, a database of its own and the role-sync
 * service, for driving syncs directly and checking Discord's state afterwards.
 */
export class PipelineFixture {
  readonly cipher = new TokenCipher(randomBytes(32).toString('base64'));
  merchantId = '';
  service!: RoleSyncService;
  seed!: DemoSeed;
  bot!: DiscordBotClient;
  /** What the service reported to `onEventLatency`, in seconds. */
  readonly eventLatencies: number[] = [];

  private constructor(
    readonly t: TestDatabase,
    readonly emulator: DiscordEmulator,
  ) {}

  static async start(
    brake: MassRemovalBrakeOptions = { windowMs: 600_000, minimum: 1000 },
  ): Promise<PipelineFixture> {
    const t = await createTestDatabase();
    // A roomy member-role bucket: these tests are about reconciliation, not Discord's pacing.
    const emulator = await startEmulator({
      redirectUris: [CALLBACK],
      memberRoleBucket: { limit: 1000, windowMs: 1000 },
    });
    const fixture = new PipelineFixture(t, emulator);
    fixture.seed = emulator.state.seedDemo();
    const repos = t.db.repositories;
    fixture.merchantId = (
      await repos.merchants.createWithApiKey('Acme', { keyHash: randomBytes(32), keyPrefix: 'test' })
    ).merchant.id;
    await repos.discordGuilds.bindInstall(
      fixture.merchantId,
      fixture.seed.guildId,
      'Inflow Demo Community',
      new Date(),
    );
    fixture.bot = new DiscordBotClient({
      token: emulator.botToken,
      apiBaseUrl: emulator.apiBaseUrl,
      limiter: { acquire: () => Promise.resolve(0) },
      retries: 1,
      maxRateLimitWaitMs: 5_000,
    });
    const oauth = new DiscordOAuthClient({
      clientId: emulator.applicationId,
      clientSecret: emulator.clientSecret,
      apiBaseUrl: emulator.apiBaseUrl,
    });
    const now = () => new Date();
    fixture.service = new RoleSyncService({
      db: t.db,
      bot: fixture.bot,
      joiner: new MemberJoiner(fixture.bot, oauth, fixture.cipher, now),
      health: new GuildHealthService(t.db, fixture.bot, now),
      brake: new MassRemovalBrake(brake),
      logger: pino({ level: 'silent' }),
      now,
      onEventLatency: (seconds) => fixture.eventLatencies.push(seconds),
    });
    return fixture;
  }

  get guildId(): string {
    return this.seed.guildId;
  }

  async offer(roleId: string, name = 'VIP', gracePeriodDays = 0): Promise<string> {
    const offer = await this.t.db.repositories.offers.create(this.merchantId, {
      name,
      description: null,
      amountInCents: 999,
      currency: 'EUR',
      billingInterval: 'month',
      intervalCount: 1,
      discordGuildId: this.guildId,
      discordRoleId: roleId,
      gracePeriodDays,
    });
    return offer.id;
  }

  /** A customer linked to a Discord user; with `joinToken`, through a real OAuth grant with guilds.join. */
  async linkedCustomer(
    externalId: string,
    discordUserId: string,
    options: { joinToken?: boolean } = {},
  ): Promise<string> {
    const repos = this.t.db.repositories;
    const customerId = await repos.customers.upsert(this.merchantId, externalId, null);
    if (options.joinToken === true) {
      this.emulator.state.setAuthorizingUser(discordUserId);
      const authorize = new URL(this.emulator.authorizeUrl);
      authorize.search = new URLSearchParams({
        client_id: this.emulator.applicationId,
        response_type: 'code',
        scope: 'identify guilds.join',
        redirect_uri: CALLBACK,
        state: 'x',
      }).toString();
      const consent = await fetch(authorize, { redirect: 'manual' });
      const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
      const oauth = new DiscordOAuthClient({
        clientId: this.emulator.applicationId,
        clientSecret: this.emulator.clientSecret,
        apiBaseUrl: this.emulator.apiBaseUrl,
      });
      const tokens = await oauth.exchangeCode({ code, redirectUri: CALLBACK });
      await repos.discordLinks.link(
        { merchantId: this.merchantId, customerId, discordUserId, discordUsername: 'user', tokens },
        this.cipher,
      );
    } else {
      await this.t.sql(
        `INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)`,
        [this.merchantId, customerId, discordUserId],
      );
    }
    return customerId;
  }

  async subscribe(
    customerId: string,
    offerId: string,
    externalId: string,
    setup: SubscriptionSetup,
  ): Promise<void> {
    await this.t.sql(
      `INSERT INTO subscription (merchant_id, external_id, customer_id, offer_id, status, current_period_end, cancel_at_period_end, past_due_since, last_event_at, last_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), 'evt')
       ON CONFLICT (merchant_id, external_id) DO UPDATE SET status = EXCLUDED.status, current_period_end = EXCLUDED.current_period_end,
          cancel_at_period_end = EXCLUDED.cancel_at_period_end, past_due_since = EXCLUDED.past_due_since, updated_at = now()`,
      [
        this.merchantId,
        externalId,
        customerId,
        offerId,
        setup.status,
        setup.currentPeriodEnd ?? null,
        setup.cancelAtPeriodEnd ?? false,
        setup.pastDueSince ?? null,
      ],
    );
  }

  sync(userId: string, reason: 'event' | 'member-join' | 'drift' = 'event') {
    return this.service.sync({ guildId: this.guildId, userId, reason });
  }

  roles(userId: string): string[] | undefined {
    return this.emulator.state.memberRoles(this.guildId, userId);
  }

  /** Role add/remove requests the emulator received so far. */
  roleCalls(status?: number) {
    return this.emulator.stats.requests({
      route: '/guilds/{guild_id}/members/{user_id}/roles/{role_id}',
      ...(status === undefined ? {} : { status }),
    });
  }

  async grant(userId: string, roleId: string) {
    return (await this.t.db.repositories.roleGrants.findFor(this.guildId, userId, [roleId]))[0];
  }

  async stop(): Promise<void> {
    await this.emulator.stop();
    await this.t.drop();
  }
}
