/**
 * The one interface every gateway implements (PR-5). A gateway turns messages into its provider's
 * requests and the provider's answers into Vestnik's outcomes and states; it never touches the
 * database, and gets its configuration through its factory.
 */

import type { MessageContent } from '../core/content.ts';
import type { Channel, MessageState } from '../core/states.ts';

export interface OutgoingMessage {
  /** Vestnik's message id: passed to providers that take a client reference, for de-duplication. */
  id: number;
  channel: Channel;
  address: string;
  subject: string | null;
  body: string;
  /** The sender name (SMS) or display name (e-mail); null for the gateway's default. */
  sender: string | null;
  /** E-mail only: the sanitised HTML, List-Unsubscribe headers, attachments by document id (CT-4). */
  content?: MessageContent | null;
  /**
   * E-mail only: the attachments' bytes, in `content.attachments` order, read by the worker just
   * before the send (dispatch/attachments.ts) — a gateway never reads the database.
   */
  files?: OutgoingFile[];
}

export interface OutgoingFile {
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

export type SendOutcome =
  | {
      id: number;
      kind: 'accepted';
      providerId: string;
      rawStatus?: string;
      costKopecks?: number;
      /**
       * Every part's provider id, in order, when the provider gave one per part of a long SMS (SMPP
       * with a UDH or `sar_*` options); the first is `providerId`. Each part's receipt is then tracked
       * and the message's state follows its parts (store/receipts.ts says the rule).
       */
      partIds?: string[];
    }
  /** Try again later: a 5xx, a timeout, a dropped connection. */
  | { id: number; kind: 'retryable'; rawStatus: string; reason: string }
  /** Never try again: a bad number, a banned sender, a refused text. */
  | { id: number; kind: 'permanent'; rawStatus: string; reason: string }
  /** The provider asks to slow down; not the message's fault, so the attempt is not counted. */
  | { id: number; kind: 'rate_limited'; rawStatus: string; reason: string; retryAfterMs?: number };

export interface StatusReport {
  providerId: string;
  state: MessageState;
  /** The provider's own code, kept beside the normalised state. */
  rawStatus: string;
  /**
   * The address the receipt says the message went to, where it carries one (SMPP's receipt
   * `source_addr`, Kannel's `%p`): matched against the message's address, so a provider id reused
   * by the provider is never applied to another number's message.
   */
  destination?: string;
}

/** A message a person sent to the organisation: a reply, a «СТОП», a message to the bot. */
export interface InboundMessage {
  /** Who wrote: a phone number as the provider gives it (normalised by the store), a chat id. */
  from: string;
  /** The number, short code or bot it was written to, where known. */
  to?: string;
  text: string;
  /** The provider's id of this incoming message, so a repeat of it is stored once. */
  providerId?: string;
  /** When the provider received it, where it says. */
  receivedAt?: Date;
}

export interface CallbackRequest {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  body: unknown;
  rawBody: string;
}

export type CallbackResult =
  | { ok: true; reports: StatusReport[]; inbound?: InboundMessage[] }
  | { ok: false; reason: string };

export interface GatewayCapabilities {
  /** Most messages one `send` call takes. */
  batchSize: number;
  /** The provider calls back with delivery reports. */
  callbacks: boolean;
  /** `status()` can be asked. */
  polling: boolean;
  /** How long to wait for a final report before a message counts as expired. */
  statusDeadlineSeconds: number;
}

export interface Gateway {
  readonly kind: string;
  readonly channel: Channel;
  readonly capabilities: GatewayCapabilities;
  send(batch: OutgoingMessage[]): Promise<SendOutcome[]>;
  status?(providerIds: string[]): Promise<StatusReport[]>;
  parseCallback?(req: CallbackRequest): CallbackResult;
  balance?(): Promise<{ kopecks: number }>;
  /**
   * The account's sender names as the provider knows them, with their moderation state mapped onto
   * Vestnik's (`pending` is the registry's «requested») and the provider's own status kept in `raw`.
   * Only providers with an API for it (SMS Aero's `sign/list`); `vestnik sender sync` uses it.
   */
  senderNames?(): Promise<ProviderSenderName[]>;
  /**
   * Reports that arrive on the gateway's own connection rather than by HTTP callback or polling
   * (SMPP `deliver_sm` receipts, which the SMSC may send on any bind of the account at any time).
   * The gateway pool registers one listener when it builds the gateway (dispatch/gatewayPool.ts); the
   * listener writes the reports to the database. The gateway acknowledges them to its provider only
   * once the promise resolves, and asks the provider to deliver them again when it rejects — or when
   * no listener is registered — so a report is never acknowledged and then lost.
   */
  onReports?(listener: ReportListener): void;
  /**
   * Incoming messages that arrive on the gateway's own connection (SMPP `deliver_sm` that is not a
   * receipt). As with `onReports`, acknowledged to the provider only once the listener's promise
   * resolves.
   */
  onInbound?(listener: InboundListener): void;
  /**
   * Incoming messages fetched by polling (SMS Aero's and SMSC.ru's inbox, Telegram's getUpdates),
   * after `cursor` (null: from now on); returns them and the cursor to ask from next time.
   */
  inbound?(cursor: string | null): Promise<{ messages: InboundMessage[]; cursor: string | null }>;
  close?(): Promise<void>;
}

export interface ProviderSenderName {
  name: string;
  state: 'approved' | 'pending' | 'rejected';
  raw: string;
}

export type ReportListener = (reports: StatusReport[]) => Promise<void>;
export type InboundListener = (messages: InboundMessage[]) => Promise<void>;

export interface GatewayContext {
  gatewayId: number;
  channel: Channel;
  settings: Record<string, unknown>;
  /** Where this gateway's provider should send delivery reports. */
  callbackUrl: string;
  callbackSecret: string;
}

export type GatewayFactory = (ctx: GatewayContext) => Gateway;

/** A configuration problem, reported with the setting at fault. */
export class GatewaySettingsError extends Error {
  override name = 'GatewaySettingsError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An e-mail whose attachments the worker did not read (`files` short of `content.attachments`) is
 * refused, never sent without them; null when it is complete. For the e-mail gateways.
 */
export function unreadAttachments(m: OutgoingMessage): SendOutcome | null {
  const wanted = m.content?.attachments.length ?? 0;
  if (wanted === 0 || (m.files?.length ?? 0) === wanted) return null;
  return {
    id: m.id,
    kind: 'permanent',
    rawStatus: 'ATTACHMENT_MISSING',
    reason: 'the attachments were not read before the send; a letter is never sent without them',
  };
}

/**
 * `status` for gateways whose providers send no delivery reports (SMTP, the Telegram Bot API): what
 * they accepted counts as delivered at its first check, with `rawStatus` as the raw code.
 */
export const acceptedIsDelivered =
  (rawStatus: string) =>
  async (providerIds: string[]): Promise<StatusReport[]> =>
    providerIds.map((providerId) => ({ providerId, state: 'delivered', rawStatus }));
