/**
 * Templates (CT-1, CT-2): Liquid, strict (an unknown variable is an error, not a hole in an SMS),
 * sandboxed (nothing but the scope's own data is reachable) and bounded (a runaway template fails).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type CompiledTemplate,
  compileTemplate,
  formatKopecks,
  renderTemplate,
  type TemplateScope,
} from '../../src/core/templates/render.ts';
import { buildScope, type ScopeContact, type ScopeObject } from '../../src/core/templates/scope.ts';

const SEED_000 =
  'Уважаемый {{ contact.name }}. Общая сумма начислений {{ total }} руб., задолженность {{ debt }} руб.';

const ivan: ScopeContact = {
  id: 7,
  last_name: 'Иванов',
  first_name: 'Иван',
  middle_name: 'Петрович',
  phone: '+79123456789',
  email: null,
  attributes: { plot_count: 2, office: 'Север' },
};

const plots: ScopeObject[] = [
  { kind: 'plot', number: '12', charges_kopecks: 123450, debt_kopecks: 0 },
  { kind: 'plot', number: '12а', charges_kopecks: 100005, debt_kopecks: 5000 },
];

const ORG = { name: 'СНТ «Берёзка»' };

function compiled(source: string): CompiledTemplate {
  const c = compileTemplate(source);
  assert.ok(c.ok, c.ok ? '' : c.problem.message);
  return c.value;
}

function render(source: string, scope: TemplateScope): string {
  const r = renderTemplate(compiled(source), scope);
  assert.ok(r.ok, r.ok ? '' : r.problem.message);
  return r.value;
}

/** Renders and expects a failure; returns the message. */
function renderFails(source: string, scope: TemplateScope): string {
  const c = compileTemplate(source);
  if (!c.ok) {
    assert.equal(c.problem.value, source);
    return c.problem.message;
  }
  const r = renderTemplate(c.value, scope);
  assert.equal(r.ok, false, `${source} rendered as ${r.ok ? JSON.stringify(r.value) : ''}`);
  if (r.ok) return '';
  assert.equal(r.problem.field, 'text');
  assert.equal(r.problem.value, source);
  return r.problem.message;
}

// ---------------------------------------------------------------------------------------------------
// Money

test('formatKopecks: two decimals, 0.00 for nothing, a minus for negatives', () => {
  const cases: [number, string][] = [
    [0, '0.00'],
    [-0, '0.00'],
    [1, '0.01'],
    [5, '0.05'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [123450, '1234.50'],
    [123456, '1234.56'],
    [100000000, '1000000.00'],
    [-5, '-0.05'],
    [-100, '-1.00'],
    [-123450, '-1234.50'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ];
  for (const [k, s] of cases) assert.equal(formatKopecks(k), s, String(k));
});

test('property: formatKopecks is exact for every whole number of kopecks', () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), (k) => {
      const s = formatKopecks(k);
      assert.match(s, /^-?\d+\.\d{2}$/);
      assert.equal(BigInt(s.replace('.', '')), BigInt(k));
      assert.equal(s.startsWith('-'), k < 0);
    }),
    { numRuns: 500 },
  );
});

// ---------------------------------------------------------------------------------------------------
// Scope and rendering

test('seed 000: name and patronymic, sums over all plots with two decimals', () => {
  const scope = buildScope(ivan, plots, ORG);
  assert.equal(
    render(SEED_000, scope),
    'Уважаемый Иван Петрович. Общая сумма начислений 2234.55 руб., задолженность 50.00 руб.',
  );
});

test('seed 000: a contact with nothing owed reads 0.00, not an empty hole', () => {
  assert.equal(
    render(SEED_000, buildScope(ivan, [], ORG)),
    'Уважаемый Иван Петрович. Общая сумма начислений 0.00 руб., задолженность 0.00 руб.',
  );
});

test('buildScope: names join without double spaces when a part is missing', () => {
  const scope = buildScope({ ...ivan, middle_name: '', last_name: ' ' }, plots, ORG);
  assert.equal(render('[{{ contact.name }}] [{{ contact.full_name }}]', scope), '[Иван] [Иван]');
  const full = buildScope(ivan, plots, ORG);
  assert.equal(render('{{ contact.full_name }}', full), 'Иванов Иван Петрович');
  assert.equal(render('{{ contact.email }}|{{ contact.phone }}', full), '|+79123456789');
});

test('buildScope: per-object lines, attributes and the organisation', () => {
  const scope = buildScope(ivan, plots, ORG);
  assert.equal(
    render(
      '{% for o in objects %}{{ o.kind }} {{ o.number }}: {{ o.charges }}/{{ o.debt }}; {% endfor %}',
      scope,
    ),
    'plot 12: 1234.50/0.00; plot 12а: 1000.05/50.00; ',
  );
  assert.equal(
    render('{{ contact.attributes.office }} {{ contact.attributes.plot_count }} — {{ org.name }}', scope),
    'Север 2 — СНТ «Берёзка»',
  );
  assert.equal(render('{{ objects.size }} {{ contact.name | upcase }}', scope), '2 ИВАН ПЕТРОВИЧ');
  assert.equal(render('{% if debt != "0.00" %}долг {{ debt }}{% endif %}', scope), 'долг 50.00');
});

test('a template is parsed once and rendered per recipient', () => {
  const c = compiled(SEED_000);
  const petr = buildScope({ ...ivan, first_name: 'Пётр', middle_name: 'Ильич' }, [plots[0]!], ORG);
  assert.deepEqual(renderTemplate(c, petr), {
    ok: true,
    value: 'Уважаемый Пётр Ильич. Общая сумма начислений 1234.50 руб., задолженность 0.00 руб.',
  });
  assert.deepEqual(renderTemplate(c, buildScope(ivan, plots, ORG)), {
    ok: true,
    value: 'Уважаемый Иван Петрович. Общая сумма начислений 2234.55 руб., задолженность 50.00 руб.',
  });
});

test('strict: an unknown variable is an error result naming the variable, not an empty string', () => {
  const scope = buildScope(ivan, plots, ORG);
  for (const [source, name] of [
    ['Уважаемый {{ contact.nmae }}', 'contact.nmae'],
    ['{{ totl }}', 'totl'],
    ['{{ contact.attributes.missing }}', 'contact.attributes.missing'],
  ] as const) {
    const c = compiled(source);
    const r = renderTemplate(c, scope, 'smsText');
    assert.equal(r.ok, false, source);
    if (r.ok) continue;
    assert.equal(r.problem.field, 'smsText');
    assert.equal(r.problem.value, source);
    assert.ok(r.problem.message.startsWith('cannot render: '), r.problem.message);
    assert.ok(r.problem.message.includes(name), r.problem.message);
  }
});

test('strict: an unknown filter or broken syntax fails at compile time, naming the field', () => {
  for (const source of [
    '{{ contact.name | shout }}',
    '{{ contact.name',
    '{% if %}',
    '{% for x in %}{% endfor %}',
  ]) {
    const c = compileTemplate(source, 'subject');
    assert.equal(c.ok, false, source);
    if (c.ok) continue;
    assert.equal(c.problem.field, 'subject');
    assert.equal(c.problem.value, source);
    assert.ok(c.problem.message.startsWith('template error: '), c.problem.message);
  }
  const shout = compileTemplate('{{ contact.name | shout }}');
  assert.ok(!shout.ok && shout.problem.message.includes('shout'));
});

// ---------------------------------------------------------------------------------------------------
// Sandbox

test('sandbox: prototypes, constructors and globals are out of reach', () => {
  const scope = buildScope(ivan, plots, ORG);
  const probes = [
    '{{ contact.constructor }}',
    '{{ contact.constructor.name }}',
    '{{ contact.__proto__ }}',
    "{{ contact['__proto__'] }}",
    "{{ contact['constructor'] }}",
    '{{ contact.toString }}',
    '{{ contact.hasOwnProperty }}',
    '{{ contact.valueOf }}',
    '{{ contact.name.constructor }}',
    '{{ contact.name.constructor.constructor }}',
    '{{ objects.constructor }}',
    '{{ objects.push }}',
    '{{ total.constructor }}',
    '{{ contact.attributes.__proto__ }}',
    '{{ process }}',
    '{{ process.env }}',
    '{{ process.env.HOME }}',
    '{{ globalThis }}',
    '{{ global }}',
    '{{ require }}',
    '{{ this }}',
    '{{ constructor }}',
    '{{ __proto__ }}',
  ];
  for (const probe of probes) {
    const message = renderFails(probe, scope);
    assert.match(message, /undefined variable/, probe);
  }
});

test('sandbox: include, render and layout cannot read files from the server', () => {
  const scope = buildScope(ivan, plots, ORG);
  for (const probe of [
    "{% include 'package.json' %}",
    "{% render 'package.json' %}",
    "{% layout 'package.json' %}",
    "{% include 'src/config.ts' %}",
    "{% include '../../../../etc/passwd' %}",
    "{% include '/etc/passwd' %}",
    '{% include contact.name %}',
  ]) {
    renderFails(probe, scope);
  }
});

test('sandbox: assignments in one render do not leak into the next or into Object.prototype', () => {
  const c = compiled('{% assign secret = "x" %}{% assign __proto__ = "p" %}{{ secret }}');
  assert.deepEqual(renderTemplate(c, {}), { ok: true, value: 'x' });
  assert.equal(({} as Record<string, unknown>).secret, undefined);
  renderFails('{{ secret }}', {});
});

test('bounded: a huge loop fails quickly instead of hanging', () => {
  const scope = buildScope(ivan, plots, ORG);
  for (const source of [
    '{% for i in (1..100000000) %}x{% endfor %}',
    '{% for a in (1..100000) %}{% for b in (1..100000) %}{% endfor %}{% endfor %}',
    '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
  ]) {
    const started = performance.now();
    const message = renderFails(source, scope);
    const ms = performance.now() - started;
    assert.match(message, /limit exceeded/, source);
    assert.ok(ms < 5_000, `${source} took ${Math.round(ms)} ms`);
  }
});

test('bounded: a modest loop is still fine', () => {
  assert.equal(render('{% for i in (1..1000) %}.{% endfor %}', {}).length, 1000);
});

// ---------------------------------------------------------------------------------------------------
// Properties

const token = fc.constantFrom(
  '{{',
  '}}',
  '{%',
  '%}',
  '{{-',
  '-%}',
  ' ',
  '\n',
  'contact',
  '.name',
  '.constructor',
  '.__proto__',
  'objects',
  'total',
  'debt',
  'o',
  'i',
  '|',
  'upcase',
  'append:',
  'default:',
  'size',
  'for',
  'in',
  'endfor',
  'if',
  'else',
  'endif',
  'unless',
  'case',
  'when',
  'assign',
  'capture',
  'endcapture',
  'raw',
  'endraw',
  'comment',
  'endcomment',
  'include',
  'render',
  'layout',
  'liquid',
  'echo',
  'cycle',
  'increment',
  'tablerow',
  'endtablerow',
  'package.json',
  '(1..3)',
  '=',
  '==',
  '"',
  "'",
  '[',
  ']',
  ',',
  ':',
  '%',
  '#',
  'Уважаемый',
  '😀',
  '\u0000',
);

const templateText = fc.oneof(
  fc.array(token, { maxLength: 30 }).map((t) => t.join('')),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary-ascii', minLength: 500, maxLength: 3000 }),
);

test('property: compiling and rendering any text never throws and never leaks a file', () => {
  const scope = buildScope(ivan, plots, ORG);
  fc.assert(
    fc.property(templateText, (source) => {
      const c = compileTemplate(source);
      if (!c.ok) {
        assert.equal(c.problem.field, 'text');
        assert.equal(c.problem.value, source);
        assert.ok(c.problem.message.startsWith('template error: '));
        return;
      }
      assert.equal(c.value.source, source);
      const r = renderTemplate(c.value, scope);
      if (!r.ok) {
        assert.equal(r.problem.field, 'text');
        assert.equal(r.problem.value, source);
        assert.ok(r.problem.message.startsWith('cannot render: '));
        return;
      }
      assert.equal(typeof r.value, 'string');
      assert.ok(!r.value.includes('"name": "vestnik"'), 'package.json leaked');
    }),
    { numRuns: 400 },
  );
});

test('property: text without Liquid markup renders as itself', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'grapheme', maxLength: 200 }).filter((s) => !/[{}%]/.test(s)),
      (text) => {
        assert.deepEqual(renderTemplate(compiled(text), {}), { ok: true, value: text });
      },
    ),
    { numRuns: 300 },
  );
});

test('property: contact fields are substituted verbatim, whatever they contain', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), fc.string({ maxLength: 50 }), (first, middle) => {
      const scope = buildScope({ ...ivan, first_name: first, middle_name: middle }, [], ORG);
      const expected = [first, middle].filter((p) => p.trim() !== '').join(' ');
      assert.equal(render('{{ contact.name }}', scope), expected);
    }),
    { numRuns: 300 },
  );
});
