import { describe, expect, it } from '@jest/globals';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import fc from 'fast-check';
import {
  ALL_PERMISSIONS,
  computeBasePermissions,
  computeChannelPermissions,
  type MemberPermissionInput,
  type PermissionOverwrite,
} from './permissions';
import { compareRoles, highestRole } from './role-hierarchy';

const GUILD = '1310000000000000100';
const OWNER = '1310000000000000200';
const BOT = '1310000000000000300';
const ROLE_A = '1310000000000000401';
const ROLE_B = '1310000000000000402';
const ROLE_OTHER = '1310000000000000403';

const TEXT = P.ViewChannel | P.SendMessages | P.EmbedLinks;

function member(
  everyone: bigint,
  roles: Record<string, bigint>,
  memberRoleIds: string[],
  userId = BOT,
): MemberPermissionInput {
  return {
    guildId: GUILD,
    ownerId: OWNER,
    userId,
    roles: [
      { id: GUILD, permissions: everyone.toString() },
      ...Object.entries(roles).map(([id, bits]) => ({ id, permissions: bits.toString() })),
    ],
    memberRoleIds,
  };
}

const role = (id: string, allow: bigint, deny: bigint): PermissionOverwrite => ({
  id,
  type: 0,
  allow: allow.toString(),
  deny: deny.toString(),
});
const user = (id: string, allow: bigint, deny: bigint): PermissionOverwrite => ({
  id,
  type: 1,
  allow: allow.toString(),
  deny: deny.toString(),
});

describe('computeBasePermissions', () => {
  it.each<[string, MemberPermissionInput, bigint]>([
    ['@everyone only', member(P.ViewChannel, {}, []), P.ViewChannel],
    [
      'roles OR-ed with @everyone',
      member(P.ViewChannel, { [ROLE_A]: P.ManageRoles, [ROLE_B]: P.SendMessages }, [ROLE_A, ROLE_B]),
      P.ViewChannel | P.ManageRoles | P.SendMessages,
    ],
    [
      'roles the member lacks do not count',
      member(0n, { [ROLE_A]: P.ManageRoles, [ROLE_OTHER]: P.BanMembers }, [ROLE_A]),
      P.ManageRoles,
    ],
    [
      'deleted role ids are ignored',
      member(0n, { [ROLE_A]: P.ManageRoles }, [ROLE_A, '1310000000000000999']),
      P.ManageRoles,
    ],
    ['Administrator grants everything', member(0n, { [ROLE_A]: P.Administrator }, [ROLE_A]), ALL_PERMISSIONS],
    ['Administrator on @everyone grants everything', member(P.Administrator, {}, []), ALL_PERMISSIONS],
    ['the owner holds everything', member(0n, {}, [], OWNER), ALL_PERMISSIONS],
    [
      'a malformed permission string grants nothing',
      { ...member(0n, {}, []), roles: [{ id: GUILD, permissions: 'lots' }] },
      0n,
    ],
  ])('%s', (_name, input, expected) => {
    expect(computeBasePermissions(input)).toBe(expected);
  });
});

describe('computeChannelPermissions', () => {
  const base = member(TEXT, { [ROLE_A]: P.ManageRoles, [ROLE_B]: 0n }, [ROLE_A, ROLE_B]);

  it.each<[string, MemberPermissionInput, PermissionOverwrite[], bigint]>([
    ['no overwrites: base permissions', base, [], TEXT | P.ManageRoles],
    ['@everyone deny', base, [role(GUILD, 0n, P.EmbedLinks)], P.ViewChannel | P.SendMessages | P.ManageRoles],
    [
      'role allow beats @everyone deny',
      base,
      [role(GUILD, 0n, P.EmbedLinks), role(ROLE_A, P.EmbedLinks, 0n)],
      TEXT | P.ManageRoles,
    ],
    // Role overwrites are combined: an allow on one role beats a deny on another.
    [
      'role allow beats another role deny',
      base,
      [role(ROLE_A, 0n, P.EmbedLinks), role(ROLE_B, P.EmbedLinks, 0n)],
      TEXT | P.ManageRoles,
    ],
    [
      'overwrites of roles the member lacks do not apply',
      base,
      [role(ROLE_OTHER, 0n, TEXT)],
      TEXT | P.ManageRoles,
    ],
    [
      'member deny beats role allow',
      base,
      [role(ROLE_A, P.EmbedLinks, 0n), user(BOT, 0n, P.EmbedLinks)],
      P.ViewChannel | P.SendMessages | P.ManageRoles,
    ],
    [
      'member allow beats role deny',
      base,
      [role(ROLE_A, 0n, P.SendMessages), user(BOT, P.SendMessages, 0n)],
      TEXT | P.ManageRoles,
    ],
    ["another member's overwrite does not apply", base, [user(OWNER, 0n, TEXT)], TEXT | P.ManageRoles],
    ['no View Channel: nothing at all', base, [role(GUILD, 0n, P.ViewChannel)], 0n],
    [
      'no Send Messages: no Embed Links either',
      base,
      [role(GUILD, 0n, P.SendMessages)],
      P.ViewChannel | P.ManageRoles,
    ],
    [
      'View Channel granted by a role overwrite',
      member(0n, { [ROLE_A]: 0n }, [ROLE_A]),
      [role(ROLE_A, TEXT, 0n)],
      TEXT,
    ],
    [
      'Administrator ignores overwrites',
      member(0n, { [ROLE_A]: P.Administrator }, [ROLE_A]),
      [role(GUILD, 0n, TEXT), user(BOT, 0n, TEXT)],
      ALL_PERMISSIONS,
    ],
    [
      'the owner ignores overwrites',
      member(0n, {}, [], OWNER),
      [user(OWNER, 0n, P.ViewChannel)],
      ALL_PERMISSIONS,
    ],
  ])('%s', (_name, input, overwrites, expected) => {
    expect(computeChannelPermissions(input, overwrites)).toBe(expected);
  });

  const bits = fc.bigInt({ min: 0n, max: ALL_PERMISSIONS }).map((value) => value & ALL_PERMISSIONS);
  const roleIds = [ROLE_A, ROLE_B, ROLE_OTHER];
  const scenario = fc.record({
    everyone: bits,
    rolePermissions: fc.tuple(bits, bits, bits),
    memberRoles: fc.subarray(roleIds),
    overwrites: fc.array(
      fc.record({
        id: fc.constantFrom(GUILD, ...roleIds, BOT, OWNER),
        type: fc.constantFrom(0, 1),
        allow: bits,
        deny: bits,
      }),
      { maxLength: 6 },
    ),
  });
  type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;
  const toInput = (s: Scenario): MemberPermissionInput =>
    member(
      s.everyone,
      { [ROLE_A]: s.rolePermissions[0], [ROLE_B]: s.rolePermissions[1], [ROLE_OTHER]: s.rolePermissions[2] },
      s.memberRoles,
    );

  it('never grants a bit Discord does not define, and nothing without View Channel', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const permissions = computeChannelPermissions(toInput(s), s.overwrites);
        expect(permissions & ~ALL_PERMISSIONS).toBe(0n);
        if ((permissions & P.ViewChannel) === 0n) expect(permissions).toBe(0n);
        if ((permissions & P.SendMessages) === 0n) expect(permissions & P.EmbedLinks).toBe(0n);
      }),
    );
  });

  it('a member overwrite has the last word on the bits it names', () => {
    fc.assert(
      fc.property(scenario, bits, bits, (s, allow, deny) => {
        const overwrites = [
          ...s.overwrites.filter((o) => !(o.type === 1 && o.id === BOT)),
          user(BOT, allow, deny),
        ];
        const permissions = computeChannelPermissions(toInput(s), overwrites);
        if (permissions === ALL_PERMISSIONS || permissions === 0n) return;
        // Denied bits (unless also allowed) are gone; allowed bits are held unless an implicit rule drops them.
        expect(permissions & (deny & ~allow)).toBe(0n);
        const sendDependent = P.SendTTSMessages | P.MentionEveryone | P.EmbedLinks | P.AttachFiles;
        const implicitlyLost = (permissions & P.SendMessages) === 0n ? sendDependent : 0n;
        expect(permissions & allow).toBe(allow & ~implicitlyLost);
      }),
    );
  });
});

describe('role hierarchy', () => {
  it('ranks by position, and the older role (smaller id) first at equal positions', () => {
    expect(compareRoles({ id: ROLE_B, position: 3 }, { id: ROLE_A, position: 2 })).toBeGreaterThan(0);
    expect(compareRoles({ id: ROLE_A, position: 2 }, { id: ROLE_B, position: 2 })).toBeGreaterThan(0);
    expect(compareRoles({ id: ROLE_B, position: 2 }, { id: ROLE_A, position: 2 })).toBeLessThan(0);
    expect(compareRoles({ id: ROLE_A, position: 2 }, { id: ROLE_A, position: 2 })).toBe(0);
  });

  it('finds the highest role, or none', () => {
    expect(highestRole([])).toBeUndefined();
    expect(
      highestRole([
        { id: ROLE_B, position: 5 },
        { id: ROLE_A, position: 5 },
        { id: ROLE_OTHER, position: 1 },
      ])?.id,
    ).toBe(ROLE_A);
  });

  it('is a total order consistent with sorting', () => {
    const ranked = fc.record({
      id: fc.bigInt({ min: 10n ** 17n, max: 10n ** 18n }).map(String),
      position: fc.nat({ max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(ranked, { minLength: 1, maxLength: 8 }), (roles) => {
        const top = highestRole(roles);
        for (const other of roles) expect(compareRoles(top!, other)).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
