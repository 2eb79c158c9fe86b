/**
 * The demo data set of first start: a garden association (СНТ) of 300 plots with their owners —
 * names, phones, e-mails, charges and debts — so a new installation has something to send to.
 * Deterministic (a seeded generator), so every installation and test sees the same association.
 * Some owners hold two plots, as in real associations (one SMS per phone, AU-5).
 */
import iuliia from 'iuliia';
import type { Queryable } from '../store/db.ts';

const MALE = {
  first: [
    'Александр',
    'Сергей',
    'Владимир',
    'Андрей',
    'Алексей',
    'Дмитрий',
    'Николай',
    'Михаил',
    'Игорь',
    'Виктор',
    'Юрий',
    'Олег',
  ],
  middle: [
    'Александрович',
    'Сергеевич',
    'Владимирович',
    'Андреевич',
    'Петрович',
    'Николаевич',
    'Иванович',
    'Михайлович',
  ],
  last: [
    'Иванов',
    'Смирнов',
    'Кузнецов',
    'Попов',
    'Васильев',
    'Петров',
    'Соколов',
    'Михайлов',
    'Новиков',
    'Фёдоров',
    'Морозов',
    'Волков',
  ],
};
const FEMALE = {
  first: [
    'Елена',
    'Ольга',
    'Наталья',
    'Татьяна',
    'Ирина',
    'Светлана',
    'Марина',
    'Галина',
    'Людмила',
    'Анна',
    'Вера',
    'Нина',
  ],
  middle: [
    'Александровна',
    'Сергеевна',
    'Владимировна',
    'Андреевна',
    'Петровна',
    'Николаевна',
    'Ивановна',
    'Михайловна',
  ],
  last: [
    'Иванова',
    'Смирнова',
    'Кузнецова',
    'Попова',
    'Васильева',
    'Петрова',
    'Соколова',
    'Михайлова',
    'Новикова',
    'Фёдорова',
    'Морозова',
    'Волкова',
  ],
};
/**
 * The login part of a demo e-mail: the surname and the first initial in Latin letters (iuliia's
 * Wikipedia scheme, as SMS transliteration uses: Игорь → igor, Наталья → natalya), and anything
 * that is still not a Latin letter, a digit or a dot dropped — an address whose local part is not
 * ASCII needs SMTPUTF8 and is refused on import (core/email/smtputf8.ts), so the demo makes none.
 */
export function demoLogin(last: string, first: string): string {
  return iuliia
    .translate(`${last}.${first[0] ?? ''}`, iuliia.WIKIPEDIA)
    .toLowerCase()
    .replace(/[^a-z0-9.]/g, '');
}

/** mulberry32: a small seeded generator, enough for demo data. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DEMO_PLOTS = 300;

/** One owner of the demo association: the contact's fields and the plots it holds. */
export interface DemoOwner {
  externalId: string;
  lastName: string;
  firstName: string;
  middleName: string;
  phone: string;
  email: string | null;
  gender: 'female' | 'male';
  birthDate: string;
  plots: { number: string; chargesKopecks: number; debtKopecks: number; areaSotok: number }[];
}

/** The whole association, the same every time (seeded). */
export function demoOwners(): DemoOwner[] {
  const rnd = seeded(2026);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const owners: DemoOwner[] = [];
  let plot = 0;
  while (plot < DEMO_PLOTS) {
    const female = rnd() < 0.5;
    const names = female ? FEMALE : MALE;
    const [first, middle, last] = [pick(names.first), pick(names.middle), pick(names.last)];
    const n = owners.length + 1;
    const hasEmail = rnd() < 0.7;
    const phone = `+79${String(100000000 + Math.floor(rnd() * 899999999))}`;
    const year = 1945 + Math.floor(rnd() * 55);
    const birth = `${year}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
    const owner: DemoOwner = {
      externalId: `owner-${n}`,
      lastName: last,
      firstName: first,
      middleName: middle,
      phone,
      email: hasEmail ? `${demoLogin(last, first)}${n}@example.ru` : null,
      gender: female ? 'female' : 'male',
      birthDate: birth,
      plots: [],
    };
    owners.push(owner);
    const owned = rnd() < 0.1 ? 2 : 1;
    for (let i = 0; i < owned && plot < DEMO_PLOTS; i++) {
      plot++;
      // Membership and target fees for a season: 8 000–20 000 roubles; a third owe part of them.
      const charges =
        800_000 + Math.floor(rnd() * 1_200_000) - ((800_000 + Math.floor(rnd() * 1_200_000)) % 100);
      const debt = rnd() < 0.33 ? Math.floor(charges * rnd() * 0.8) : 0;
      owner.plots.push({
        number: String(plot),
        chargesKopecks: charges,
        debtKopecks: debt,
        areaSotok: 6 + Math.floor(rnd() * 9),
      });
    }
  }
  return owners;
}

export async function loadDemoData(
  db: Queryable,
  orgId: number,
): Promise<{ contacts: number; plots: number }> {
  const owners = demoOwners();
  for (const o of owners) {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO contacts (org_id, external_id, last_name, first_name, middle_name, phone, email, gender, birth_date)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [orgId, o.externalId, o.lastName, o.firstName, o.middleName, o.phone, o.email, o.gender, o.birthDate],
    );
    for (const p of o.plots) {
      await db.query(
        `INSERT INTO objects (org_id, contact_id, kind, number, charges_kopecks, debt_kopecks, attributes)
         VALUES ($1, $2, 'plot', $3, $4, $5, $6)`,
        [orgId, rows[0]!.id, p.number, p.chargesKopecks, p.debtKopecks, { area_sotok: p.areaSotok }],
      );
    }
  }
  return { contacts: owners.length, plots: owners.reduce((sum, o) => sum + o.plots.length, 0) };
}
