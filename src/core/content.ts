/**
 * What an e-mail message carries beyond its subject and plain text (CT-4), stored with the message
 * at launch and handed to the gateway as it is: the sanitised HTML with inlined CSS, the
 * `List-Unsubscribe` headers and the attachments, by document id so the bytes are read only when
 * the gateway builds the letter.
 */
export interface MessageContent {
  html: string;
  headers: Record<string, string>;
  attachments: { documentId: number; fileName: string }[];
}
