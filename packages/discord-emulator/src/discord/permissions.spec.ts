import { describe, expect, it } from '@jest/globals';
import { ALL_PERMISSIONS, PermissionFlags, parsePermissions } from './permission-flags';
import {
  computeBasePermissions,
  computeChannelPermissions,
  type MemberPermissionContext,
} from './permissions';

const GUILD = '1100000000000000001';
const OWNER = '1100000000000000002';
const USER = '1100000000000000003';
const ROLE_A = '1100000000000000011';
const ROLE_B = '1100000000000000012';
const { VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, MANAGE_ROLES, ADMINISTRATOR, ATTACH_FILES } =
  PermissionFlags;

function context(overrides: Partial<MemberPermissionContext> = {}): MemberPermissionContext {
  return {
    guildId: GUILD,
    ownerId: OWNER,
    userId: USER,
    rolePermissions: new Map([
      [GUILD, VIEW_CHANNEL | SEND_MESSAGES],
      [ROLE_A, MANAGE_ROLES],
      [ROLE_B, EMBED_LINKS],
    ]),
    memberRoleIds: [ROLE_A],
    ...overrides,
  };
}

describe('computeBasePermissions', () => {
  it('ORs @everyone with every role of the member', () => {
    expect(computeBasePermissions(context())).toBe(VIEW_CHANNEL | SEND_MESSAGES | MANAGE_ROLES);
  });

  it('gives the owner and ADMINISTRATOR everything', () => {
    expect(computeBasePermissions(context({ userId: OWNER, memberRoleIds: [] }))).toBe(ALL_PERMISSIONS);
    const admin = context({
      rolePermissions: new Map([
        [GUILD, 0n],
        [ROLE_A, ADMINISTRATOR],
      ]),
    });
    expect(computeBasePermissions(admin)).toBe(ALL_PERMISSIONS);
  });

  it('ignores role ids that no longer exist', () => {
    expect(computeBasePermissions(context({ memberRoleIds: ['1100000000000000099'] }))).toBe(
      VIEW_CHANNEL | SEND_MESSAGES,
    );
  });
});

describe('computeChannelPermissions', () => {
  it('applies @everyone, then combined role overwrites, then the member overwrite', () => {
    const overwrites = [
      { id: GUILD, type: 0 as const, allow: 0n, deny: SEND_MESSAGES },
      { id: ROLE_A, type: 0 as const, allow: SEND_MESSAGES | EMBED_LINKS, deny: 0n },
      { id: ROLE_B, type: 0 as const, allow: 0n, deny: EMBED_LINKS },
    ];
    // Role overwrites combine: allow wins over deny from another role of the same member.
    const both = computeChannelPermissions(context({ memberRoleIds: [ROLE_A, ROLE_B] }), overwrites);
    expect(both & (SEND_MESSAGES | EMBED_LINKS)).toBe(SEND_MESSAGES | EMBED_LINKS);
    const onlyEveryone = computeChannelPermissions(context({ memberRoleIds: [] }), overwrites);
    expect(onlyEveryone & SEND_MESSAGES).toBe(0n);
    const memberDeny = computeChannelPermissions(context(), [
      ...overwrites,
      { id: USER, type: 1 as const, allow: 0n, deny: SEND_MESSAGES },
    ]);
    expect(memberDeny & SEND_MESSAGES).toBe(0n);
  });

  it('loses everything without VIEW_CHANNEL and the dependent bits without SEND_MESSAGES', () => {
    const hidden = computeChannelPermissions(context(), [
      { id: GUILD, type: 0, allow: 0n, deny: VIEW_CHANNEL },
    ]);
    expect(hidden).toBe(0n);
    const muted = computeChannelPermissions(context({ memberRoleIds: [ROLE_B] }), [
      { id: GUILD, type: 0, allow: ATTACH_FILES, deny: SEND_MESSAGES },
    ]);
    expect(muted & (EMBED_LINKS | ATTACH_FILES | SEND_MESSAGES)).toBe(0n);
    expect(muted & VIEW_CHANNEL).toBe(VIEW_CHANNEL);
  });

  it('lets ADMINISTRATOR ignore overwrites', () => {
    const admin = context({
      rolePermissions: new Map([
        [GUILD, 0n],
        [ROLE_A, ADMINISTRATOR],
      ]),
    });
    expect(computeChannelPermissions(admin, [{ id: GUILD, type: 0, allow: 0n, deny: VIEW_CHANNEL }])).toBe(
      ALL_PERMISSIONS,
    );
  });
});

describe('parsePermissions', () => {
  it('accepts decimal strings and rejects anything else', () => {
    expect(parsePermissions('268454913')).toBe(268454913n);
    expect(() => parsePermissions('-1')).toThrow(RangeError);
    expect(() => parsePermissions('0x10')).toThrow(RangeError);
  });
});
