/** A reply as GET /api/v1/replies answers (src/api/routes/replies.ts). */
export interface Reply {
  id: number;
  gatewayId: number;
  channel: 'sms' | 'messenger' | 'email';
  from: string;
  to: string | null;
  text: string;
  receivedAt: string;
  isStop: boolean;
  excludedMessages: number | null;
  confirmationId: number | null;
  contact: { id: number; name: string | null } | null;
  answers: {
    messageId: number;
    campaignId: number | null;
    campaignName: string | null;
    text: string | null;
  } | null;
}

export interface ReplySettings {
  stopWords: string[];
  defaultStopWords: string[];
  confirmStop: boolean;
  confirmationText: string;
}
