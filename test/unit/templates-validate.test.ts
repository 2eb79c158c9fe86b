/**
 * CT-2 before launch: syntax errors, unknown variables and unknown filters with line and column;
 * and per recipient: the empty-value policy, the messenger's 700 characters, SMS segments.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translateAliases } from '../../src/core/templates/aliases.ts';
import { MESSENGER_MAX_CHARS, renderForRecipient } from '../../src/core/templates/recipient.ts';
import { type CompiledTemplate, compileTemplate } from '../../src/core/templates/render.ts';
import {
  buildScope,
  EMAIL_SHAPE,
  SCOPE_SHAPE,
  type ScopeContact,
  type Shape,
} from '../../src/core/templates/scope.ts';
import { validateTemplate } from '../../src/core/templates/validate.ts';

const ivan: ScopeContact = {
  id: 7,
  last_name: 'Иванов',
  first_name: 'Иван',
  middle_name: 'Петрович',
  phone: '+79123456789',
  email: null,
  attributes: { office: 'Север' },
};
const ORG = { name: 'СНТ «Берёзка»' };

function compiled(source: string): CompiledTemplate {
  const c = compileTemplate(source);
  assert.ok(c.ok, c.ok ? '' : c.problem.message);
  return c.value;
}

test('a valid template has no issues, aliases and loops included', () => {
  for (const source of [
    translateAliases(
      'Уважаемый %name. %kvit %total %debt #FAM# #IM# #OT# #DATE_P# #SUM_P# #SUM_Z# #DATE_D# #NOM_D#',
    ),
    '{% for o in objects %}{{ forloop.index }}. {{ o.kind }} {{ o.number }}: {{ o.charges | money: "ru" }}, {{ o.link }}{% endfor %}',
    '{% for p in loan.schedule %}{{ p.number }} {{ p.date | date_ru }} {{ p.amount }} {{ p.paid }}{% endfor %}',
    '{{ objects.size | plural: "участок", "участка", "участков" }} {{ objects.first.link }} {{ objects[0].number }}',
    '{{ contact.attributes.office }} {{ contact.attributes.any.depth[2] }} {{ org.name }} {{ contact.full_name }}',
    '{% assign n = objects.size %}{% capture who %}{{ contact.name }}{% endcapture %}{{ who }} {{ n }} {{ x.y }}'.replace(
      ' {{ x.y }}',
      '',
    ),
    '{% if debt != "0.00" %}Долг {{ debt }}{% else %}Долга нет{% endif %}',
    '{{ contact.name | default: "клиент" | upcase }} {{ loan.overdue }} {{ payment.number }}',
  ]) {
    assert.deepEqual(validateTemplate(source), [], source);
  }
});

test('unknown variables: every one, with line, column and a suggestion', () => {
  const source = [
    'Уважаемый {{ contact.nmae }}!',
    '{% if debt != "0.00" %}{{ totl }}{% endif %}',
    '  {% for o in objects %}{{ o.lnk }} {{ o.link }}{% endfor %} {{ o.link }}',
    '{{ loan.amout }} {{ contact.name.first }} {{ unsubscribe_url }} {{ payment.date.day }}',
  ].join('\n');
  assert.deepEqual(
    validateTemplate(source).map((i) => [i.code, i.name, i.line, i.column, i.message]),
    [
      [
        'unknown_variable',
        'contact.nmae',
        1,
        14,
        'unknown variable «contact.nmae» (did you mean «contact.name»?)',
      ],
      ['unknown_variable', 'totl', 2, 27, 'unknown variable «totl» (did you mean «total»?)'],
      ['unknown_variable', 'o.lnk', 3, 28, 'unknown variable «o.lnk» (did you mean «o.link»?)'],
      ['unknown_variable', 'o', 3, 65, 'unknown variable «o»'],
      ['unknown_variable', 'loan.amout', 4, 4, 'unknown variable «loan.amout» (did you mean «loan.amount»?)'],
      ['unknown_variable', 'contact.name.first', 4, 21, 'unknown variable «contact.name.first»'],
      ['unknown_variable', 'unsubscribe_url', 4, 46, 'unknown variable «unsubscribe_url»'],
      ['unknown_variable', 'payment.date.day', 4, 68, 'unknown variable «payment.date.day»'],
    ],
  );
  // `unsubscribe_url` exists in e-mails only.
  assert.deepEqual(validateTemplate('{{ unsubscribe_url }}', { channel: 'email' }), []);
});

test('unknown filters: every one, at the filter', () => {
  assert.deepEqual(
    validateTemplate('{{ total | mony }}\n{{ debt | money: "ru" | shout }} {% assign x = total | rubles %}'),
    [
      {
        code: 'unknown_filter',
        message: 'unknown filter «mony» (did you mean «money»?)',
        name: 'mony',
        line: 1,
        column: 12,
      },
      { code: 'unknown_filter', message: 'unknown filter «shout»', name: 'shout', line: 2, column: 25 },
      { code: 'unknown_filter', message: 'unknown filter «rubles»', name: 'rubles', line: 2, column: 56 },
    ],
  );
});

test('syntax errors, with where they are', () => {
  const cases: [string, [string, number, number]][] = [
    ['a\n  {{ contact.name', ['output "{{ contact.name" not closed', 2, 3]],
    ['x\n{% if %}', ['invalid value expression: ""', 2, 6]],
    ['{% if debt %}долг', ['tag {% if debt %} not closed', 1, 1]],
    ['ok\n\n  {% frobnicate %}', ['tag "frobnicate" not found', 3, 3]],
    ['{% for x in %}{% endfor %}', ['illegal tag: {% for x in %}', 1, 1]],
  ];
  for (const [source, [message, line, column]] of cases) {
    assert.deepEqual(validateTemplate(source), [{ code: 'syntax', message, line, column }], source);
  }
});

function leaves(shape: Shape, prefix: string, out: string[]): string[] {
  if (shape === 'value' || shape === 'any') out.push(prefix);
  else if (Array.isArray(shape)) leaves((shape as readonly [Shape])[0], `${prefix}[]`, out);
  else for (const [k, v] of Object.entries(shape)) leaves(v as Shape, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

function paths(value: unknown, prefix: string, out: string[]): string[] {
  if (Array.isArray(value)) paths(value[0], `${prefix}[]`, out);
  else if (value !== null && typeof value === 'object' && !prefix.endsWith('attributes'))
    for (const [k, v] of Object.entries(value)) paths(v, prefix ? `${prefix}.${k}` : k, out);
  else out.push(prefix);
  return out;
}

test('SCOPE_SHAPE is exactly what buildScope builds', () => {
  const scope = buildScope(
    ivan,
    [{ kind: 'plot', number: '1', charges_kopecks: 1, debt_kopecks: 2, link: 'https://x' }],
    ORG,
    {
      loan: {
        number: 'L-1',
        contract_date: '2026-01-01',
        amount_kopecks: 1,
        schedule: [{ number: 1, date: '2026-02-01', amount_kopecks: 1 }],
      },
    },
  );
  assert.deepEqual(paths(scope, '', []).sort(), leaves(SCOPE_SHAPE as Shape, '', []).sort());
  assert.deepEqual(
    leaves(EMAIL_SHAPE as Shape, '', []).sort(),
    [...leaves(SCOPE_SHAPE as Shape, '', []), 'unsubscribe_url'].sort(),
  );
});

test('empty values: allow leaves the hole, block refuses the recipient, default fills it', () => {
  const c = compiled(
    'Уважаемый {{ contact.name }}!\nКвитанции: {{ objects | links }}. Отчество: {{ contact.middle_name }}',
  );
  const noPlots = buildScope({ ...ivan, middle_name: '' }, [], ORG);
  assert.deepEqual(renderForRecipient(c, noPlots, { channel: 'sms' }), {
    ok: true,
    value: {
      text: 'Уважаемый Иван!\nКвитанции: . Отчество: ',
      characters: 39,
      defaulted: [],
      sms: { encoding: 'UCS-2', segments: 1 },
    },
  });
  assert.deepEqual(
    renderForRecipient(c, noPlots, { channel: 'sms', empty: { mode: 'block' }, field: 'smsText' }),
    {
      ok: false,
      problems: [
        {
          code: 'empty_value',
          field: 'smsText',
          message: '«objects | links» is empty for this recipient',
          line: 2,
          column: 12,
        },
        {
          code: 'empty_value',
          field: 'smsText',
          message: '«contact.middle_name» is empty for this recipient',
          line: 2,
          column: 45,
        },
      ],
    },
  );
  const filled = renderForRecipient(c, noPlots, { channel: 'sms', empty: { mode: 'default', text: '—' } });
  assert.deepEqual(filled, {
    ok: true,
    value: {
      text: 'Уважаемый Иван!\nКвитанции: —. Отчество: —',
      characters: 41,
      defaulted: [
        { expression: 'objects | links', line: 2, column: 12 },
        { expression: 'contact.middle_name', line: 2, column: 45 },
      ],
      sms: { encoding: 'UCS-2', segments: 1 },
    },
  });
  // Nothing empty: the same text whatever the policy.
  const full = buildScope(
    ivan,
    [{ kind: 'plot', number: '1', charges_kopecks: 0, debt_kopecks: 0, link: 'https://k/1' }],
    ORG,
  );
  for (const empty of [{ mode: 'allow' }, { mode: 'block' }, { mode: 'default', text: 'X' }] as const) {
    const r = renderForRecipient(c, full, { channel: 'messenger', empty });
    assert.ok(r.ok);
    assert.equal(r.value.text, 'Уважаемый Иван Петрович!\nКвитанции: https://k/1. Отчество: Петрович');
    assert.equal(r.value.sms, null);
  }
});

test('empty values inside loops and tags are found too; a default does not leak into the next render', () => {
  const c = compiled(
    '{% for o in objects %}[{{ o.link }}]{% endfor %}{% if true %}{{ contact.email }}{% endif %}',
  );
  const scope = buildScope(ivan, [{ kind: 'plot', number: '1', charges_kopecks: 0, debt_kopecks: 0 }], ORG);
  const r = renderForRecipient(c, scope, { channel: 'sms', empty: { mode: 'block' } });
  assert.deepEqual(r.ok ? [] : r.problems.map((p) => [p.message, p.line, p.column]), [
    ['«o.link» is empty for this recipient', 1, 24],
    ['«contact.email» is empty for this recipient', 1, 62],
  ]);
  const d = renderForRecipient(c, scope, { channel: 'sms', empty: { mode: 'default', text: 'нет' } });
  assert.ok(d.ok && d.value.text === '[нет]нет');
  const plain = renderForRecipient(c, scope, { channel: 'sms' });
  assert.ok(plain.ok && plain.value.text === '[]');
});

test('the messenger text is at most 700 characters, counted per recipient after substitution', () => {
  assert.equal(MESSENGER_MAX_CHARS, 700);
  const c = compiled(`${'я'.repeat(688)}{{ contact.name }}`);
  const fits = renderForRecipient(c, buildScope({ ...ivan, middle_name: 'Ильич' }, [], ORG), {
    channel: 'messenger',
  });
  assert.ok(fits.ok && fits.value.characters === 698);
  assert.deepEqual(
    renderForRecipient(c, buildScope(ivan, [], ORG), { channel: 'messenger', field: 'messengerText' }),
    {
      ok: false,
      problems: [
        { code: 'too_long', field: 'messengerText', message: 'is 701 characters, more than the 700 allowed' },
      ],
    },
  );
  // An emoji is one character, not two UTF-16 units; exactly 700 is allowed.
  const emoji = compiled(`${'😀'.repeat(690)}{{ contact.first_name }}{{ contact.attributes.office }}`);
  const r = renderForRecipient(emoji, buildScope({ ...ivan, first_name: 'Яков!' }, [], ORG), {
    channel: 'messenger',
  });
  assert.ok(r.ok && r.value.characters === 700 && r.value.text.length === 1390);
  // Other channels have no limit unless one is given.
  assert.ok(renderForRecipient(c, buildScope(ivan, [], ORG), { channel: 'sms' }).ok);
  const capped = renderForRecipient(c, buildScope(ivan, [], ORG), { channel: 'sms', maxCharacters: 100 });
  assert.ok(!capped.ok && capped.problems[0]!.message === 'is 701 characters, more than the 100 allowed');
});

test('an SMS is counted in segments after substitution; a render error names its place', () => {
  const c = compiled('Hello {{ contact.attributes.office }}');
  const latin = renderForRecipient(c, buildScope({ ...ivan, attributes: { office: 'North' } }, [], ORG), {
    channel: 'sms',
  });
  assert.deepEqual(latin.ok && latin.value.sms, { encoding: 'GSM-7', segments: 1 });
  const cyr = renderForRecipient(
    c,
    buildScope({ ...ivan, attributes: { office: 'Север'.repeat(13) } }, [], ORG),
    {
      channel: 'sms',
    },
  );
  assert.deepEqual(cyr.ok && cyr.value.sms, { encoding: 'UCS-2', segments: 2 });
  const missing = renderForRecipient(c, buildScope({ ...ivan, attributes: {} }, [], ORG), {
    channel: 'sms',
    field: 'smsText',
  });
  assert.deepEqual(missing, {
    ok: false,
    problems: [
      {
        code: 'render_error',
        field: 'smsText',
        message: 'undefined variable: contact.attributes.office, line:1, col:10',
        line: 1,
        column: 10,
      },
    ],
  });
});
