/**
 * The bar of issue 5: seed 000's and seed 004's example templates, written with the seeds' own
 * placeholders, translated on save and rendered exactly for their recipients (CT-1).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translateAliases } from '../../src/core/templates/aliases.ts';
import { renderForRecipient } from '../../src/core/templates/recipient.ts';
import { compileTemplate, renderTemplate, type TemplateScope } from '../../src/core/templates/render.ts';
import { buildScope, type ScopeContact, type ScopeLoan } from '../../src/core/templates/scope.ts';
import { validateTemplate } from '../../src/core/templates/validate.ts';

/** Seed 000, «Пример шаблона сообщения», verbatim. */
const SEED_000 =
  'Уважаемый %name. Направляем Вам квитанцию для оплаты начислений %kvit. Общая сумма начислений за ваши участки %total руб., просроченная задолженность по которой начисляются пени: %debt руб.';

/**
 * Seed 004 lists its variables but prints no template; this is a planned-payment reminder written
 * with all eight of them, as its «Шаблон текста уведомления» would be.
 */
const SEED_004 =
  '#FAM# #IM# #OT#, напоминаем: #DATE_P# плановый платёж по договору займа № #NOM_D# от #DATE_D# — #SUM_P# руб. Сумма займа #SUM_Z# руб.';

const ORG = { name: 'СНТ «Берёзка»' };

const ivanov: ScopeContact = {
  id: 1,
  last_name: 'Иванов',
  first_name: 'Иван',
  middle_name: 'Иванович',
  phone: '+79123456789',
  email: null,
  attributes: {},
};

function renderSaved(source: string, scope: TemplateScope): string {
  const stored = translateAliases(source);
  assert.deepEqual(validateTemplate(stored), [], stored);
  const c = compileTemplate(stored);
  assert.ok(c.ok, c.ok ? '' : c.problem.message);
  // The aliases make only plain outputs: these templates take the fast path.
  assert.notEqual(c.value.fast, null);
  const r = renderTemplate(c.value, scope);
  assert.ok(r.ok, r.ok ? '' : r.problem.message);
  // And the fast path says exactly what liquidjs says.
  assert.deepEqual(renderTemplate({ ...c.value, fast: null }, scope), r);
  return r.value;
}

test("seed 000: the seed's own example message, for an owner of one plot", () => {
  const scope = buildScope(
    ivanov,
    [
      {
        kind: 'plot',
        number: '17',
        charges_kopecks: 1_012_345,
        debt_kopecks: 50_000,
        link: 'https://kv.e-poselok.ru/XXXXXXXX',
      },
    ],
    ORG,
  );
  assert.equal(
    renderSaved(SEED_000, scope),
    'Уважаемый Иван Иванович. Направляем Вам квитанцию для оплаты начислений https://kv.e-poselok.ru/XXXXXXXX. Общая сумма начислений за ваши участки 10123.45 руб., просроченная задолженность по которой начисляются пени: 500.00 руб.',
  );
});

test('seed 000: an owner of two plots gets both receipt links and the sums over both', () => {
  const scope = buildScope(
    { ...ivanov, first_name: 'Пётр', middle_name: 'Сергеевич' },
    [
      {
        kind: 'plot',
        number: '17',
        charges_kopecks: 1_000_000,
        debt_kopecks: 50_000,
        link: 'https://kv.example/r/A1b2C3',
      },
      {
        kind: 'plot',
        number: '17а',
        charges_kopecks: 12_345,
        debt_kopecks: 5,
        link: 'https://kv.example/r/D4e5F6',
      },
    ],
    ORG,
  );
  assert.equal(
    renderSaved(SEED_000, scope),
    'Уважаемый Пётр Сергеевич. Направляем Вам квитанцию для оплаты начислений https://kv.example/r/A1b2C3, https://kv.example/r/D4e5F6. Общая сумма начислений за ваши участки 10123.45 руб., просроченная задолженность по которой начисляются пени: 500.05 руб.',
  );
});

test('seed 000: an owner with no plots reads 0.00; the empty link is the policy’s to judge', () => {
  const scope = buildScope(ivanov, [], ORG);
  assert.equal(
    renderSaved(SEED_000, scope),
    'Уважаемый Иван Иванович. Направляем Вам квитанцию для оплаты начислений . Общая сумма начислений за ваши участки 0.00 руб., просроченная задолженность по которой начисляются пени: 0.00 руб.',
  );
  const c = compileTemplate(translateAliases(SEED_000));
  assert.ok(c.ok);
  assert.deepEqual(
    renderForRecipient(c.value, scope, { channel: 'sms', empty: { mode: 'block' }, field: 'smsText' }),
    {
      ok: false,
      problems: [
        {
          code: 'empty_value',
          field: 'smsText',
          message: '«objects | links» is empty for this recipient',
          line: 1,
          column: 78,
        },
      ],
    },
  );
  const d = renderForRecipient(c.value, scope, {
    channel: 'sms',
    empty: { mode: 'default', text: '(квитанций нет)' },
  });
  assert.ok(d.ok);
  assert.equal(
    d.value.text,
    'Уважаемый Иван Иванович. Направляем Вам квитанцию для оплаты начислений (квитанций нет). Общая сумма начислений за ваши участки 0.00 руб., просроченная задолженность по которой начисляются пени: 0.00 руб.',
  );
  assert.deepEqual(d.value.sms, { encoding: 'UCS-2', segments: 4 });
});

const LOAN: ScopeLoan = {
  number: 'КИ-2024/117',
  contract_date: '2024-03-15',
  amount_kopecks: 5_000_000,
  schedule: [
    { number: 1, date: '2026-05-12', amount_kopecks: 850_000, paid: true },
    { number: 2, date: '2026-06-12', amount_kopecks: 850_000 },
    { number: 3, date: '2026-07-12', amount_kopecks: 849_950 },
  ],
};

const petrov: ScopeContact = {
  ...ivanov,
  last_name: 'Петров',
  first_name: 'Пётр',
  middle_name: 'Сергеевич',
};

test('seed 004: the planned-payment reminder, from the loan and its schedule', () => {
  const scope = buildScope(petrov, [], ORG, { loan: LOAN, today: '2026-06-05' });
  assert.equal(
    renderSaved(SEED_004, scope),
    'Петров Пётр Сергеевич, напоминаем: 12.06.2026 плановый платёж по договору займа № КИ-2024/117 от 15.03.2024 — 8500.00 руб. Сумма займа 50000.00 руб.',
  );
});

test('seed 004: after a missed date the next payment is named and the missed one is overdue', () => {
  const scope = buildScope(petrov, [], ORG, { loan: LOAN, today: '2026-06-20' });
  assert.equal(
    renderSaved(SEED_004, scope),
    'Петров Пётр Сергеевич, напоминаем: 12.07.2026 плановый платёж по договору займа № КИ-2024/117 от 15.03.2024 — 8499.50 руб. Сумма займа 50000.00 руб.',
  );
  const c = compileTemplate('Просрочено {{ loan.overdue | money: "ru" }} с {{ payment.date | date_ru }}');
  assert.ok(c.ok);
  assert.deepEqual(renderTemplate(c.value, scope), {
    ok: true,
    value: 'Просрочено 8\u202f500,00\u202f₽ с 12 июля 2026',
  });
});

test('seed 004: a reminder about a given payment (an overdue one) names that payment', () => {
  const payment = { number: 2, date: '2026-06-12', amount_kopecks: 850_000 };
  const scope = buildScope(petrov, [], ORG, { loan: LOAN, payment, today: '2026-06-20' });
  assert.equal(
    renderSaved('#IM# #OT#, платёж #SUM_P# руб. от #DATE_P# просрочен.', scope),
    'Пётр Сергеевич, платёж 8500.00 руб. от 12.06.2026 просрочен.',
  );
});

test('seed 004: a contact without a loan gets empty dates and 0.00, and blocking catches it', () => {
  const scope = buildScope(petrov, [], ORG);
  assert.equal(
    renderSaved(SEED_004, scope),
    'Петров Пётр Сергеевич, напоминаем:  плановый платёж по договору займа №  от  — 0.00 руб. Сумма займа 0.00 руб.',
  );
  const c = compileTemplate(translateAliases(SEED_004));
  assert.ok(c.ok);
  const r = renderForRecipient(c.value, scope, { channel: 'sms', empty: { mode: 'block' } });
  assert.deepEqual(r.ok ? [] : r.problems.map((p) => p.message), [
    '«payment.date | date_ru: "short"» is empty for this recipient',
    '«loan.number» is empty for this recipient',
    '«loan.date | date_ru: "short"» is empty for this recipient',
  ]);
});
