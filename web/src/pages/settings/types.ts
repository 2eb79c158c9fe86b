// Shapes of the settings routes' answers (gateways.ts, billing.ts, timing.ts, users.ts).
import type { Role } from '../../session.ts';

export type Channel = 'sms' | 'messenger' | 'email';
export const CHANNELS: Channel[] = ['sms', 'messenger', 'email'];
export const ROLES: Role[] = ['owner', 'admin', 'operator', 'moderator', 'viewer'];

export interface Gateway {
  id: number;
  name: string;
  kind: string;
  channel: Channel;
  priority: number;
  enabled: boolean;
  ratePerSecond: number | null;
  settings: Record<string, unknown>;
  secrets: string[];
  callbackUrl: string;
}

export interface GatewayCheck {
  ok: boolean;
  checked: 'balance' | 'credentials' | 'nothing';
  message: string;
}

export type SenderState = 'requested' | 'approved' | 'rejected';
export interface Sender {
  id: number;
  gatewayId: number;
  name: string;
  state: SenderState;
  reason: string | null;
  createdAt: string;
  decidedAt: string | null;
}

export interface SenderSync {
  gateway: { id: number; name: string; kind: string };
  total: number;
  changes: { name: string; before: SenderState | null; after: SenderState; raw: string }[];
  unknownToProvider: string[];
}

export interface Tariff {
  id: number;
  channel: Channel;
  country: string;
  operator: string | null;
  priceKopecks: number;
}

export interface Delivery {
  windowStart: string;
  windowEnd: string;
  urgentPerMinute: number;
  economyDailyCapacity: number;
  messengerWaitSeconds: number;
  economyMessengerWaitSeconds: number;
  dailyCapPerRecipient: number | null;
}

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
  disabled: boolean;
}

export interface ApiKey {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Mirrors mayGrant in src/core/roles.ts: the roles a user or key may be given by this role. */
export function grantable(granter: Role | undefined): Role[] {
  if (granter === 'owner') return ROLES;
  if (granter === 'admin') return ['operator', 'moderator', 'viewer'];
  return [];
}
