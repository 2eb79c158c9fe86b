/**
 * The state machines of campaigns (SD-1) and messages (SD-2).
 *
 * Message:  prepared ─▶ queued ─▶ submitted ─▶ delivered | undelivered | expired | unknown
 *                         │  ╰──▶ rejected (the gateway refused it for good)
 *           excluded / invalid_address are final from the start (never sent, never charged).
 *
 * Reports can arrive late and out of order; `rank` makes the machine monotonic: a state may only be
 * replaced by one of higher rank, so a late «submitted» never overwrites «delivered».
 */
export const CHANNELS = ['sms', 'messenger', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export const MESSAGE_STATES = [
  'prepared',
  'excluded',
  'invalid_address',
  'queued',
  'submitted',
  'delivered',
  'undelivered',
  'rejected',
  'expired',
  'unknown',
] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

export const FINAL_STATES: readonly MessageState[] = [
  'excluded',
  'invalid_address',
  'delivered',
  'undelivered',
  'rejected',
  'expired',
  'unknown',
];

export function isFinal(state: MessageState): boolean {
  return FINAL_STATES.includes(state);
}

const RANK: Record<MessageState, number> = {
  prepared: 0,
  queued: 1,
  submitted: 2,
  unknown: 3,
  expired: 3,
  undelivered: 4,
  rejected: 4,
  delivered: 5,
  excluded: 9,
  invalid_address: 9,
};

/** May a report saying `next` replace `current`? */
export function mayAdvance(current: MessageState, next: MessageState): boolean {
  return RANK[next] > RANK[current];
}

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
