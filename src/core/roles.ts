/**
 * Roles and what each may do (AC-1). One table so the API, the CLI and the interface agree.
 * The moderator reviews campaigns and reads them; it does not send.
 */
export const ROLES = ['owner', 'admin', 'operator', 'moderator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'read'
  | 'contacts.write'
  | 'campaigns.write'
  | 'campaigns.launch'
  | 'messages.send'
  | 'moderate'
  | 'users.manage'
  | 'keys.manage'
  | 'gateways.manage'
  | 'balance.topup';

const GRANTS: Record<Role, readonly Permission[]> = {
  owner: [
    'read',
    'contacts.write',
    'campaigns.write',
    'campaigns.launch',
    'messages.send',
    'moderate',
    'users.manage',
    'keys.manage',
    'gateways.manage',
    'balance.topup',
  ],
  admin: [
    'read',
    'contacts.write',
    'campaigns.write',
    'campaigns.launch',
    'messages.send',
    'moderate',
    'users.manage',
    'keys.manage',
    'gateways.manage',
    'balance.topup',
  ],
  operator: ['read', 'contacts.write', 'campaigns.write', 'campaigns.launch', 'messages.send'],
  moderator: ['read', 'moderate'],
  viewer: ['read'],
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/** Rank for "may not hand out more than you have": a key or user gets at most its creator's role. */
const RANK: Record<Role, number> = { owner: 4, admin: 3, operator: 2, moderator: 1, viewer: 0 };

export function mayGrant(granter: Role, granted: Role): boolean {
  if (granter === 'owner') return true;
  // Never more than the granter has: an operator may not hand out a moderator's `moderate`.
  if (!GRANTS[granted].every((p) => can(granter, p))) return false;
  return RANK[granter] > RANK[granted] || (granter === 'admin' && granted !== 'owner' && granted !== 'admin');
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Whose moderation queue a person decides (issue 18, MD-4): instance staff every organisation's; an
 * organisation's own moderators (the `moderate` permission) their own only when the organisation
 * moderates itself (a setting instance staff grant); nobody else's.
 */
export function moderationScope(p: {
  staff: boolean;
  role: Role;
  selfModeration: boolean;
}): 'all' | 'own' | 'none' {
  if (p.staff) return 'all';
  return can(p.role, 'moderate') && p.selfModeration ? 'own' : 'none';
}
