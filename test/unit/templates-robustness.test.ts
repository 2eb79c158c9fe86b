/**
 * Issue 5 item 7: no input crashes the alias translator, the validator or the renderer, none gets out
 * of the sandbox, and the fast renderer never says anything liquidjs would not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ALIASES, translateAliases } from '../../src/core/templates/aliases.ts';
import { renderForRecipient } from '../../src/core/templates/recipient.ts';
import {
  type CompiledTemplate,
  compileTemplate,
  type EmptyPolicy,
  renderDetailed,
  renderTemplate,
  type TemplateMode,
  type TemplateScope,
} from '../../src/core/templates/render.ts';
import { buildScope, type ScopeContact } from '../../src/core/templates/scope.ts';
import { validateTemplate } from '../../src/core/templates/validate.ts';

const ivan: ScopeContact = {
  id: 7,
  last_name: 'Иванов',
  first_name: 'Иван',
  middle_name: 'Петрович',
  phone: '+79123456789',
  email: null,
  attributes: { office: 'Север', n: 3, nested: { deep: ['a', 'b'] }, nothing: null },
};
const ORG = { name: 'СНТ «Берёзка»' };
const SCOPE = buildScope(
  ivan,
  [
    { kind: 'plot', number: '12', charges_kopecks: 123450, debt_kopecks: 0, link: 'https://kv.example/1' },
    { kind: 'plot', number: '12а', charges_kopecks: 100005, debt_kopecks: 5000 },
  ],
  ORG,
  {
    loan: {
      number: 'L-1',
      contract_date: '2024-03-15',
      amount_kopecks: 100,
      schedule: [{ number: 1, date: '2026-06-12', amount_kopecks: 5 }],
    },
  },
);

const token = fc.constantFrom(
  ...Object.keys(ALIASES),
  ...Object.values(ALIASES),
  '{{',
  '}}',
  '{%',
  '%}',
  ' ',
  '\n',
  'contact',
  '.name',
  '.constructor',
  '.__proto__',
  '["constructor"]',
  'objects',
  'total',
  'process',
  'globalThis',
  '|',
  'raw',
  'money',
  'date_ru',
  'plural:',
  'links',
  'append:',
  'for o in objects',
  'endfor',
  'if',
  'endif',
  'include',
  'render',
  "'/etc/passwd'",
  "'package.json'",
  'endraw',
  '<script>',
  '"',
  "'",
  '%',
  '#',
  '😀',
  '\u0000',
);
const source = fc.oneof(
  fc.array(token, { maxLength: 30 }).map((t) => t.join('')),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: 'grapheme', maxLength: 120 }),
);
const policy = fc.constantFrom<EmptyPolicy>(
  { mode: 'allow' },
  { mode: 'block' },
  { mode: 'default', text: '<нет>' },
);

test('property: translate → validate → compile → render never throws and never leaks', () => {
  fc.assert(
    fc.property(source, fc.constantFrom<TemplateMode>('text', 'html'), policy, (input, mode, empty) => {
      const stored = translateAliases(input);
      const issues = validateTemplate(stored);
      for (const i of issues) assert.ok(i.line >= 1 && i.column >= 1 && i.message !== '');
      const c = compileTemplate(stored, 'text', mode);
      if (!c.ok) {
        assert.ok(
          issues.some((i) => i.code !== 'unknown_variable'),
          `compiles not, yet valid: ${stored}`,
        );
        return;
      }
      const r = renderForRecipient(c.value, SCOPE, { channel: 'messenger', empty });
      const out = r.ok ? r.value.text : r.problems.map((p) => p.message).join('\n');
      assert.equal(typeof out, 'string');
      assert.ok(!out.includes('"name": "vestnik"'), 'package.json leaked');
      assert.ok(!out.includes('root:x:0:0'), '/etc/passwd leaked');
      assert.ok(!/function \w*\(|\[native code\]/.test(out), 'a function leaked');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    }),
    { numRuns: 1500 },
  );
});

test('property: a template the validator passes renders for a full scope (no false «valid»)', () => {
  const valid = fc
    .array(
      fc.constantFrom(
        ...Object.keys(ALIASES),
        'текст ',
        '{{ contact.full_name }}',
        '{{ objects.size | plural: "участок", "участка", "участков" }}',
        '{% for o in objects %}{{ o.number }} {{ o.charges | money: "ru" }}{% endfor %}',
        '{% for p in loan.schedule %}{{ p.date | date_ru }}{% endfor %}',
        '{{ org.name }}',
      ),
      { maxLength: 12 },
    )
    .map((p) => translateAliases(p.join('')));
  fc.assert(
    fc.property(valid, (stored) => {
      assert.deepEqual(validateTemplate(stored), []);
      const c = compileTemplate(stored);
      assert.ok(c.ok);
      assert.ok(renderTemplate(c.value, SCOPE).ok, stored);
    }),
    { numRuns: 300 },
  );
});

/** Outputs the fast path takes, and some it must hand back to liquidjs. */
const path = fc.constantFrom(
  'contact.name',
  'contact.first_name',
  'contact.id',
  'contact.nmae',
  'contact.attributes.office',
  'contact.attributes.n',
  'contact.attributes.nested',
  'contact.attributes.nested.deep',
  'contact.attributes.nothing',
  'contact.attributes.nothing.x',
  'contact.attributes.missing',
  'contact["name"]',
  "contact['attributes']['office']",
  'contact.name.size',
  'contact.name.length',
  'objects',
  'objects.size',
  'objects.first.link',
  'objects[0].number',
  'total',
  'debt',
  'loan.schedule',
  'payment.date',
  'constructor',
  'contact.constructor',
  'contact.__proto__',
  'toString',
  'x',
);
const filter = fc.constantFrom(
  '',
  ' | money',
  ' | money: "ru"',
  ' | date_ru',
  ' | date_ru: "short"',
  " | plural: 'участок', 'участка', 'участков'",
  ' | links',
  ' | links: " "',
  ' | upcase',
  ' | append: "!"',
  ' | append: contact.name',
  ' | raw',
  ' | money | raw',
);
const output = fc.tuple(path, filter, filter).map(([p, f, g]) => `{{ ${p}${f}${g} }}`);
const fastSource = fc
  .array(
    fc.oneof(output, fc.constantFrom('Уважаемый ', '. ', '\n', '', ' руб.', '<b>&</b>', '{{- total -}}')),
    {
      maxLength: 8,
    },
  )
  .map((p) => p.join(''));

const scopes = fc.oneof(
  fc.constant(SCOPE),
  fc.constant(buildScope({ ...ivan, first_name: '', middle_name: ' ' }, [], ORG)),
  fc
    .record({
      first: fc.string(),
      office: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      n: fc.nat(),
    })
    .map(({ first, office, n }) =>
      buildScope(
        { ...ivan, first_name: first, attributes: { office, n } },
        Array.from({ length: n % 3 }, (_, i) => ({
          kind: 'plot',
          number: String(i),
          charges_kopecks: i * 101,
          debt_kopecks: i,
          link: i % 2 ? '' : `https://k/${i}`,
        })),
        ORG,
      ),
    ),
  fc.dictionary(
    fc.constantFrom('contact', 'total', 'objects', 'x'),
    fc.jsonValue(),
  ) as fc.Arbitrary<TemplateScope>,
);

test('property: the fast renderer says exactly what liquidjs says, errors and holes included', () => {
  let fastTaken = 0;
  fc.assert(
    fc.property(
      fastSource,
      scopes,
      fc.constantFrom<TemplateMode>('text', 'html'),
      policy,
      (src, scope, mode, empty) => {
        const c = compileTemplate(src, 'text', mode);
        if (!c.ok) return;
        if (c.value.fast) fastTaken++;
        const slow: CompiledTemplate = { ...c.value, fast: null };
        assert.deepEqual(renderTemplate(c.value, scope), renderTemplate(slow, scope), src);
        assert.deepEqual(renderDetailed(c.value, scope, empty), renderDetailed(slow, scope, empty), src);
      },
    ),
    { numRuns: 3000 },
  );
  // About a third of the generated templates are all plain outputs (~1,000 of 3,000); far fewer means the
  // fast path stopped being taken and the comparison above compared liquidjs with itself.
  assert.ok(fastTaken > 600, `the fast path was taken only ${fastTaken} times`);
});

test('sandbox: the fast path refuses what liquidjs refuses, in both modes', () => {
  for (const mode of ['text', 'html'] as const) {
    for (const probe of [
      '{{ constructor }}',
      '{{ contact.constructor }}',
      '{{ contact.__proto__ }}',
      '{{ contact["constructor"] }}',
      '{{ toString }}',
      '{{ hasOwnProperty }}',
      '{{ contact.attributes.__proto__ }}',
      '{{ process.env.HOME }}',
      '{{ contact.name | append: contact.constructor }}',
    ]) {
      const c = compileTemplate(probe, 'text', mode);
      assert.ok(c.ok, probe);
      const r = renderTemplate(c.value, SCOPE);
      assert.equal(r.ok, false, `${probe} (${mode}) rendered ${r.ok ? JSON.stringify(r.value) : ''}`);
      if (!r.ok) assert.match(r.problem.message, /^cannot render: undefined variable/);
    }
  }
});

test('html mode escapes every output unless it ends in raw; text mode never does', () => {
  const scope = buildScope(
    { ...ivan, first_name: '<img src=x onerror=alert(1)>', middle_name: '"&\'' },
    [],
    ORG,
  );
  const src =
    '{{ contact.first_name }}|{{ contact.middle_name }}|{{ contact.first_name | raw }}|{% echo contact.middle_name %}|{% echo contact.first_name | raw %}';
  const html = compileTemplate(src, 'html', 'html');
  const text = compileTemplate(src, 'text', 'text');
  assert.ok(html.ok && text.ok);
  assert.deepEqual(renderTemplate(html.value, scope), {
    ok: true,
    value:
      '&lt;img src=x onerror=alert(1)&gt;|&quot;&amp;&#39;|<img src=x onerror=alert(1)>|&quot;&amp;&#39;|<img src=x onerror=alert(1)>',
  });
  assert.deepEqual(renderTemplate(text.value, scope), {
    ok: true,
    value: '<img src=x onerror=alert(1)>|"&\'|<img src=x onerror=alert(1)>|"&\'|<img src=x onerror=alert(1)>',
  });
  // A default text for an empty value is escaped like the value it stands for.
  const empty = buildScope({ ...ivan, middle_name: '' }, [], ORG);
  const d = renderDetailed(html.value, empty, { mode: 'default', text: '<b>нет</b>' });
  assert.ok(d.ok);
  assert.equal(d.text.split('|')[1], '&lt;b&gt;нет&lt;/b&gt;');
  assert.equal(d.text.split('|')[3], '&lt;b&gt;нет&lt;/b&gt;');
});
