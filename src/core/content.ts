/**
 * What an e-mail message carries beyond its subject and plain text (CT-4), stored with the message
 * at launch and handed to the gateway as it is: the sanitised HTML with inlined CSS, the
 * `List-Unsubscribe` headers and the attachments, by document id so the bytes are read only when
 * the gateway builds the letter.
 */
import type { FILTER_OBJECT_KINDS } from './audience/filter.ts';

export interface MessageContent {
  html: string;
  headers: Record<string, string>;
  attachments: { documentId: number; fileName: string }[];
}

/** A campaign's text per channel (CH-6); the channels it may send on each have one. */
export interface CampaignTexts {
  sms?: string;
  /** At most 700 characters after substitution, checked per recipient. */
  messenger?: string;
  /** The plain-text part is generated from the HTML when `text` is absent or blank. */
  email?: { subject: string; html: string; text?: string | null };
}

/** Files for every recipient, and each recipient's own document of a kind (their receipt). */
export interface AttachmentSpec {
  documentIds: number[];
  /** Every object of the recipient (of `objectKind`, when given) must have its document of `kind`. */
  perRecipient: { kind: string; objectKind?: (typeof FILTER_OBJECT_KINDS)[number] } | null;
}

export const NO_ATTACHMENTS: AttachmentSpec = { documentIds: [], perRecipient: null };
