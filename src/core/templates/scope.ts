/**
 * The variables a template sees for one recipient: the contact, their objects and aggregates over
 * them, a loan with its payment schedule (seed 004), and the organisation. Built from plain rows so
 * it is the same at preview, at launch and in tests.
 *
 * Every variable is always present, empty when there is nothing (`''`, `0.00`, `[]`): a template is
 * checked once against `SCOPE_SHAPE` before launch (validate.ts), so it must not depend on which
 * recipient happens to have a loan. Whether an empty value may go out is the empty-value policy's
 * decision (recipient.ts), not an accident of strict variables.
 */
import { formatKopecks, type TemplateScope } from './render.ts';

export interface ScopeContact {
  id: number;
  last_name: string;
  first_name: string;
  middle_name: string;
  phone: string | null;
  email: string | null;
  attributes: Record<string, unknown>;
  gender?: 'male' | 'female' | null;
  birth_date?: string | null;
}

export interface ScopeObject {
  kind: string;
  number: string;
  charges_kopecks: number;
  debt_kopecks: number;
  /** The object's receipt link (a signed document URL, issue 5 item 6); what `%kvit` inserts. */
  link?: string | null;
}

/** One line of a loan's payment schedule (seed 004: «графики рассчитанных платежей»). */
export interface ScopePayment {
  number: number | string;
  /** `YYYY-MM-DD`. */
  date: string;
  amount_kopecks: number;
  paid?: boolean;
}

export interface ScopeLoan {
  /** The contract number (`#NOM_D#`). */
  number: string;
  /** The contract date, `YYYY-MM-DD` (`#DATE_D#`). */
  contract_date: string;
  /** The loan amount (`#SUM_Z#`, «Сумма займа»). */
  amount_kopecks: number;
  schedule?: readonly ScopePayment[];
}

/** Optional inputs beyond the contact and their objects; the existing call sites pass none. */
export interface ScopeExtras {
  loan?: ScopeLoan | null;
  /**
   * The payment a reminder is about (seed 004 prepares one notification per payment). Without it:
   * the loan's first unpaid payment dated on or after `today`, or its first unpaid one.
   */
  payment?: ScopePayment | null;
  /** `YYYY-MM-DD`, the sending day: picks the next payment and sums what is overdue. */
  today?: string;
}

/** What `shape` a variable has, for checking templates statically (validate.ts). */
export type Shape = 'value' | 'any' | readonly [Shape] | { readonly [key: string]: Shape };

const PAYMENT: Shape = { number: 'value', date: 'value', amount: 'value', paid: 'value' };

/** The shape of `buildScope`'s result; a test keeps the two in step. */
export const SCOPE_SHAPE: { readonly [key: string]: Shape } = {
  contact: {
    id: 'value',
    last_name: 'value',
    first_name: 'value',
    middle_name: 'value',
    full_name: 'value',
    name: 'value',
    phone: 'value',
    email: 'value',
    gender: 'value',
    birth_date: 'value',
    // Custom attributes differ per contact: any path below them passes the static check, and a
    // recipient without one fails at render (strict variables), per recipient.
    attributes: 'any',
  },
  objects: [{ kind: 'value', number: 'value', charges: 'value', debt: 'value', link: 'value' }],
  total: 'value',
  debt: 'value',
  loan: { number: 'value', date: 'value', amount: 'value', overdue: 'value', schedule: [PAYMENT] },
  payment: { number: 'value', date: 'value', amount: 'value' },
  org: { name: 'value' },
};

/** Variables only an e-mail has (email/render.ts adds them). */
export const EMAIL_SHAPE: { readonly [key: string]: Shape } = { ...SCOPE_SHAPE, unsubscribe_url: 'value' };

const join = (...parts: string[]) => parts.filter((p) => p.trim() !== '').join(' ');

function pickPayment(loan: ScopeLoan | null | undefined, today: string | undefined): ScopePayment | null {
  const unpaid = (loan?.schedule ?? []).filter((p) => !p.paid);
  // ISO dates compare as strings.
  return (today ? unpaid.find((p) => p.date >= today) : undefined) ?? unpaid[0] ?? null;
}

export function buildScope(
  contact: ScopeContact,
  objects: readonly ScopeObject[],
  org: { name: string },
  extras: ScopeExtras = {},
): TemplateScope {
  let charges = 0;
  let debt = 0;
  const objs = objects.map((o) => {
    charges += o.charges_kopecks;
    debt += o.debt_kopecks;
    return {
      kind: o.kind,
      number: o.number,
      charges: formatKopecks(o.charges_kopecks),
      debt: formatKopecks(o.debt_kopecks),
      link: o.link ?? '',
    };
  });
  const loan = extras.loan ?? null;
  const payment = extras.payment ?? pickPayment(loan, extras.today);
  const today = extras.today;
  const overdue = today
    ? (loan?.schedule ?? []).reduce((s, p) => (!p.paid && p.date < today ? s + p.amount_kopecks : s), 0)
    : 0;
  return {
    contact: {
      id: contact.id,
      last_name: contact.last_name,
      first_name: contact.first_name,
      middle_name: contact.middle_name,
      full_name: join(contact.last_name, contact.first_name, contact.middle_name),
      // «Уважаемый Иван Петрович»: the name and patronymic, as Russian letters address people.
      name: join(contact.first_name, contact.middle_name),
      phone: contact.phone ?? '',
      email: contact.email ?? '',
      gender: contact.gender ?? '',
      birth_date: contact.birth_date ?? '',
      attributes: contact.attributes,
    },
    objects: objs,
    total: formatKopecks(charges),
    debt: formatKopecks(debt),
    loan: {
      number: loan?.number ?? '',
      date: loan?.contract_date ?? '',
      amount: formatKopecks(loan?.amount_kopecks ?? 0),
      overdue: formatKopecks(overdue),
      schedule: (loan?.schedule ?? []).map((p) => ({
        number: String(p.number),
        date: p.date,
        amount: formatKopecks(p.amount_kopecks),
        paid: p.paid === true,
      })),
    },
    payment: {
      number: payment ? String(payment.number) : '',
      date: payment?.date ?? '',
      amount: formatKopecks(payment?.amount_kopecks ?? 0),
    },
    org: { name: org.name },
  };
}
