/**
 * Automations (SD-5, issue 7 item 6): recurring campaigns with a ready filter and template, as seed
 * 004 prepares them every day — birthday greetings, debt reminders, planned and overdue payments —
 * and the natural key that keeps a run from repeating what an earlier run already sent («исключать
 * дубли»: the office, the loan, the payment). Pure: the preset is data, the key a function of the
 * recipient's data.
 */
import type { Audience } from '../audience/audience.ts';
import type { ScopeLoan, ScopePayment } from '../templates/scope.ts';
import type { Recurrence } from './plan.ts';

export const AUTOMATION_KINDS = ['birthday', 'debt', 'payment_due', 'payment_overdue'] as const;
export type AutomationKind = (typeof AUTOMATION_KINDS)[number];

export interface Automation {
  kind: AutomationKind;
  /** Birthday: N days ahead (0 = today); payments: the next / past N days. */
  days?: number;
}

/**
 * What a run may not repeat: `contact` once per contact, `loan` once per loan, `payment` once per
 * office, loan and payment (seed 004), `birthday` once per contact and year.
 */
export const DEDUP_KEYS = ['contact', 'loan', 'payment', 'birthday'] as const;
export type DedupKey = (typeof DEDUP_KEYS)[number];

export interface Preset {
  audience: Audience;
  textTemplate: string;
  dedupKey: DedupKey | null;
  recurrence: Recurrence;
  collection: boolean;
}

/** The ready filter, text, key and daily run of an automation (the operator may edit the text). */
export function preset(a: Automation): Preset {
  const days = a.days ?? (a.kind === 'birthday' ? 0 : 3);
  const daily: Recurrence = { every: 'day', at: '10:00' };
  switch (a.kind) {
    case 'birthday':
      return {
        audience: {
          kind: 'filter',
          filter:
            days === 0
              ? { type: 'birthday', window: 'today' }
              : { type: 'birthday', window: 'next_days', days },
        },
        textTemplate: '{{ contact.name }}, поздравляем с днём рождения!',
        dedupKey: 'birthday',
        recurrence: daily,
        collection: false,
      };
    case 'debt':
      return {
        audience: { kind: 'filter', filter: { type: 'objects', measure: 'debt', op: 'gt', value: 0 } },
        textTemplate: '{{ contact.name }}, ваша задолженность {{ debt }} ₽. Просим оплатить.',
        dedupKey: null,
        recurrence: daily,
        collection: true,
      };
    case 'payment_due':
      return {
        audience: { kind: 'filter', filter: { type: 'payment', state: 'planned', days } },
        textTemplate:
          'Напоминаем: платёж по договору {{ loan.number }} {{ payment.date }} на сумму {{ payment.amount }}.',
        dedupKey: 'payment',
        recurrence: daily,
        collection: false,
      };
    case 'payment_overdue':
      return {
        audience: { kind: 'filter', filter: { type: 'payment', state: 'overdue', days } },
        textTemplate:
          'Платёж по договору {{ loan.number }} от {{ payment.date }} просрочен. Сумма {{ payment.amount }}.',
        dedupKey: 'payment',
        recurrence: daily,
        collection: true,
      };
  }
}

/** The payment a reminder is about: the first unpaid from today, or for overdue ones the oldest unpaid. */
function paymentOf(loan: ScopeLoan, today: string, overdue: boolean): ScopePayment | null {
  const unpaid = (loan.schedule ?? []).filter((p) => !p.paid);
  if (overdue) return unpaid.find((p) => p.date <= today) ?? null;
  return unpaid.find((p) => p.date >= today) ?? unpaid[0] ?? null;
}

export interface KeyInput {
  contactId: number;
  /** The office: the loan's or the contact's `office` attribute, empty if neither has one. */
  office: string;
  loan: ScopeLoan | null;
  /** The recipient's local date, `YYYY-MM-DD`. */
  today: string;
  /** The birthday that is greeted, `YYYY-MM-DD`, for the birthday key. */
  birthday: string | null;
  overdue: boolean;
}

/** The natural key of a recipient's message, or null when it has none (no loan for a loan key). */
export function naturalKey(key: DedupKey, k: KeyInput): string | null {
  switch (key) {
    case 'contact':
      return `contact:${k.contactId}`;
    case 'birthday':
      return k.birthday ? `birthday:${k.contactId}:${k.birthday.slice(0, 4)}` : null;
    case 'loan':
      return k.loan ? `loan:${k.office}:${k.loan.number}` : null;
    case 'payment': {
      const p = k.loan ? paymentOf(k.loan, k.today, k.overdue) : null;
      return k.loan && p ? `payment:${k.office}:${k.loan.number}:${p.number}:${p.date}` : null;
    }
  }
}
