// Shapes of the billing routes' answers (src/api/routes/billing.ts).
export interface BalanceView {
  balanceKopecks: number;
  reservedKopecks: number;
  availableKopecks: number;
  available: string;
}

export type LedgerKind = 'topup' | 'reserve' | 'charge' | 'release';
export const LEDGER_KINDS: LedgerKind[] = ['topup', 'reserve', 'charge', 'release'];

export interface LedgerEntry {
  id: number;
  kind: LedgerKind;
  amountKopecks: number;
  reservedDeltaKopecks: number;
  campaignId: number | null;
  messageId: number | null;
  comment: string;
  initiator: string;
  createdAt: string;
}

export interface PeriodReport {
  from: string;
  to: string;
  openingKopecks: number;
  boughtKopecks: number;
  spentKopecks: number;
  closingKopecks: number;
  messagesSent: number;
}
