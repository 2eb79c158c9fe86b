/** The shapes the campaign pages read from the API (src/api/schemas.ts, src/api/routes/progress.ts). */
import type { Key } from '../../i18n/index.ts';

export const CAMPAIGN_STATES = [
  'draft',
  'scheduled',
  'moderation',
  'sending',
  'paused',
  'completed',
  'cancelled',
] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
export const MESSAGE_STATES = [
  'queued',
  'submitted',
  'delivered',
  'undelivered',
  'rejected',
  'expired',
  'unknown',
  'excluded',
  'invalid_address',
  'prepared',
] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

export interface Campaign {
  id: number;
  name: string;
  channel: 'sms' | 'email' | 'messenger';
  mode: 'standard' | 'economy' | 'urgent';
  state: CampaignState;
  reservedKopecks: number;
  recurrence: unknown;
  nextRunAt: string | null;
  schedule: { at?: string } | null;
  scheduleError: string | null;
  /** Moderation's last word on it (issue 18): waiting, approved or rejected with the reason. */
  moderation: {
    state: 'waiting' | 'approved' | 'rejected';
    reason: string | null;
    overdue?: boolean;
  } | null;
  createdAt: string;
  launchedAt: string | null;
  finishedAt: string | null;
}

export interface Totals {
  id: number;
  recipients: number;
  sent: number;
  delivered: number;
  failed: number;
  priceKopecks: number;
  chargedKopecks: number;
}

export interface Progress {
  from: string | null;
  to: string;
  stepSeconds: number;
  total: number;
  buckets: { at: string; sent: number; delivered: number; failed: number }[];
}

export interface Delivery {
  id: number;
  contactId: number | null;
  contactName: string | null;
  address: string;
  state: MessageState;
  reason: string | null;
  segments: number;
  costKopecks: number | null;
  priceKopecks: number;
  submittedAt: string | null;
  finalAt: string | null;
  /** A long SMS sent part by part (issue 19). */
  parts: { total: number; delivered: number } | null;
}

export interface Paged<T> {
  items: T[];
  nextCursor: number | null;
}

export const campaignStateKey = (s: string) => `campaign.state.${s}` as Key;
export const messageStateKey = (s: string) => `message.state.${s}` as Key;
/** Still moving: the report polls these. */
export const isLive = (s: CampaignState) =>
  s === 'sending' || s === 'paused' || s === 'scheduled' || s === 'moderation';
