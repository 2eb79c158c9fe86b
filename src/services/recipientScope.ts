/**
 * The template scope of many recipients at once, the same at launch and in a preview: each contact's
 * objects (with their receipt links when the caller signs them), their loan with its payment
 * schedule (seed 004), and the organisation. Two queries per batch, not per recipient.
 *
 * Loans follow the objects convention (decision 0007): kind `loan`, the number is the contract
 * number, `charges_kopecks` the amount lent (#SUM_Z#), `attributes.contract_date` the contract date
 * (#DATE_D#), `attributes.status` `closed` or `cancelled` when it is over. A contact with several
 * loans is reminded of the open one whose next unpaid payment comes first.
 */

import type { TemplateScope } from '../core/templates/render.ts';
import {
  buildScope,
  type ScopeContact,
  type ScopeLoan,
  type ScopeObject,
  type ScopePayment,
} from '../core/templates/scope.ts';
import type { Queryable } from '../store/db.ts';
import { listSchedules } from '../store/loanPayments.ts';
import { type ContactObject, listObjectsOfContacts } from '../store/objects.ts';

export interface RecipientData {
  objects: ContactObject[];
  loan: ScopeLoan | null;
}

/** Signed links of objects' documents (issue 5 item 6), by object id; absent ones stay empty. */
export type LinkSigner = (objectIds: number[]) => Promise<Map<number, string>>;

const CLOSED = new Set(['closed', 'cancelled']);

function pickLoan(
  loans: ContactObject[],
  schedules: Map<number, ScopeLoan['schedule']>,
  today: string,
): ScopeLoan | null {
  let best: { loan: ScopeLoan; next: string } | null = null;
  for (const o of loans) {
    if (CLOSED.has(String(o.attributes.status ?? ''))) continue;
    const schedule = schedules.get(o.id) ?? [];
    const unpaid = schedule.filter((p) => !p.paid);
    // Upcoming payments first; a loan with nothing upcoming sorts by its oldest unpaid one, after them.
    const next = unpaid.find((p) => p.date >= today)?.date ?? `~${unpaid[0]?.date ?? ''}`;
    const loan: ScopeLoan = {
      number: o.number,
      contract_date: typeof o.attributes.contract_date === 'string' ? o.attributes.contract_date : '',
      amount_kopecks: o.chargesKopecks,
      schedule,
    };
    if (!best || next < best.next) best = { loan, next };
  }
  return best?.loan ?? null;
}

/** Objects and loans of these contacts, by contact id. */
export async function loadRecipientData(
  db: Queryable,
  orgId: number,
  contactIds: number[],
  today: string,
): Promise<Map<number, RecipientData>> {
  const objects = await listObjectsOfContacts(db, orgId, contactIds);
  const loanIds = objects.filter((o) => o.kind === 'loan').map((o) => o.id);
  const schedules = new Map<number, ScopePayment[]>();
  for (const p of await listSchedules(db, orgId, loanIds)) {
    const list = schedules.get(p.objectId) ?? [];
    list.push({ number: p.number, date: p.dueDate, amount_kopecks: p.amountKopecks, paid: p.paid });
    schedules.set(p.objectId, list);
  }
  const out = new Map<number, RecipientData>();
  for (const id of contactIds) out.set(id, { objects: [], loan: null });
  for (const o of objects) out.get(o.contactId)?.objects.push(o);
  for (const data of out.values()) {
    const loans = data.objects.filter((o) => o.kind === 'loan');
    if (loans.length) data.loan = pickLoan(loans, schedules, today);
  }
  return out;
}

/** One recipient's scope from their row, their data and the links signed for their objects. */
export function recipientScope(
  contact: ScopeContact,
  data: RecipientData | undefined,
  org: { name: string },
  today: string,
  links?: Map<number, string>,
): TemplateScope {
  const objects: ScopeObject[] = (data?.objects ?? []).map((o) => ({
    kind: o.kind,
    number: o.number,
    charges_kopecks: o.chargesKopecks,
    debt_kopecks: o.debtKopecks,
    link: links?.get(o.id) ?? null,
  }));
  return buildScope(contact, objects, org, { loan: data?.loan ?? null, today });
}

/** The local date in a time zone, `YYYY-MM-DD`: the day a payment is «today» for the templates. */
export function localDate(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}
