/**
 * E-mail for one recipient (CT-4, CH-6): subject, HTML with its CSS inlined and sanitised, Liquid
 * output escaped unless `raw`, a plain-text part made from the HTML unless given, and the
 * List-Unsubscribe headers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileEmail, inlineCss, oneLine, renderEmail } from '../../src/core/email/render.ts';
import { sanitizeEmailHtml, sanitizeStyle } from '../../src/core/email/sanitize.ts';
import { buildScope, type ScopeContact } from '../../src/core/templates/scope.ts';

const ivan: ScopeContact = {
  id: 1,
  last_name: 'Иванов',
  first_name: 'Иван',
  middle_name: 'Иванович',
  phone: null,
  email: 'ivan@example.ru',
  attributes: {},
};
const ORG = { name: 'СНТ «Берёзка»' };
const SCOPE = buildScope(
  ivan,
  [
    {
      kind: 'plot',
      number: '17',
      charges_kopecks: 1_012_345,
      debt_kopecks: 50_000,
      link: 'https://kv.example/r/A1?x=1&y=2',
    },
  ],
  ORG,
);
const UNSUB = 'https://vestnik.example/unsubscribe/TOKEN';

const RECEIPT = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
  .box { padding: 8px; border: 1px solid #ccc }
  td.sum { text-align: right; font-weight: bold }
  a { color: #0645ad }
</style></head><body>
<div class="box"><h2>Квитанция</h2>
<p>Уважаемый {{ contact.name }}!</p>
<table width="100%"><tr><td>Начислено</td><td class="sum">{{ total | money: "ru" }}</td></tr>
<tr><td>Долг</td><td class="sum">{{ debt | money: "ru" }}</td></tr></table>
<p><a href="{{ objects.first.link }}">Открыть квитанцию</a></p>
<p><a href="{{ unsubscribe_url }}">Отписаться</a></p>
</div></body></html>`;

test('a receipt letter: CSS inlined, document wrapper gone, text part generated, headers set', () => {
  const r = renderEmail(
    { subject: 'Квитанция для {{ contact.name }}: {{ total }} руб.', html: RECEIPT },
    SCOPE,
    {
      unsubscribeUrl: UNSUB,
    },
  );
  assert.deepEqual(r, {
    ok: true,
    value: {
      subject: 'Квитанция для Иван Иванович: 10123.45 руб.',
      html: [
        '<div class="box" style="padding: 8px; border: 1px solid #ccc"><h2>Квитанция</h2>',
        '<p>Уважаемый Иван Иванович!</p>',
        '<table width="100%"><tr><td>Начислено</td><td class="sum" style="text-align: right; font-weight: bold" align="right">10\u202f123,45\u202f₽</td></tr>',
        '<tr><td>Долг</td><td class="sum" style="text-align: right; font-weight: bold" align="right">500,00\u202f₽</td></tr></table>',
        '<p><a href="https://kv.example/r/A1?x=1&amp;y=2" style="color: #0645ad">Открыть квитанцию</a></p>',
        '<p><a href="https://vestnik.example/unsubscribe/TOKEN" style="color: #0645ad">Отписаться</a></p>',
        '</div>',
      ].join('\n'),
      text: [
        'Квитанция',
        '',
        'Уважаемый Иван Иванович!',
        '',
        'Начислено   10\u202f123,45\u202f₽',
        'Долг        500,00\u202f₽',
        '',
        'Открыть квитанцию [https://kv.example/r/A1?x=1&y=2]',
        '',
        'Отписаться [https://vestnik.example/unsubscribe/TOKEN]',
      ].join('\n'),
      headers: {
        'List-Unsubscribe': '<https://vestnik.example/unsubscribe/TOKEN>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    },
  });
});

test('a given text part is rendered as is; without an unsubscribe link there are no headers', () => {
  const r = renderEmail(
    {
      subject: 'Долг',
      html: '<p>{{ debt }}</p>',
      text: 'Долг {{ debt }} руб., {{ contact.name }} <без тегов>',
    },
    SCOPE,
  );
  assert.deepEqual(r, {
    ok: true,
    value: {
      subject: 'Долг',
      html: '<p>500.00</p>',
      text: 'Долг 500.00 руб., Иван Иванович <без тегов>',
      headers: {},
    },
  });
  // `unsubscribe_url` reads empty when there is none.
  const none = renderEmail({ subject: 's', html: '<p>[{{ unsubscribe_url }}]</p>' }, SCOPE);
  assert.ok(none.ok && none.value.html === '<p>[]</p>' && none.value.text === '[]');
});

test('Liquid output is escaped in HTML, `raw` inserts markup — which is still sanitised', () => {
  const scope = buildScope(
    {
      ...ivan,
      first_name: '<b>Иван</b>',
      middle_name: '<script>alert(1)</script>',
      attributes: { site: 'javascript:alert(1)' },
    },
    [],
    ORG,
  );
  const r = renderEmail(
    {
      subject: '{{ contact.first_name }}',
      html: '<p>{{ contact.first_name }} {{ contact.first_name | raw }} {{ contact.middle_name | raw }}</p><a href="{{ contact.attributes.site }}">сайт</a>',
    },
    scope,
  );
  assert.deepEqual(r.ok && [r.value.subject, r.value.html, r.value.text], [
    '<b>Иван</b>',
    '<p>&lt;b&gt;Иван&lt;/b&gt; <b>Иван</b> </p><a>сайт</a>',
    '<b>Иван</b> Иван\n\nсайт',
  ]);
});

test('the subject is one line: a line break in data cannot add a header', () => {
  const scope = buildScope({ ...ivan, first_name: 'Иван\r\nBcc: all@example.ru' }, [], ORG);
  const r = renderEmail({ subject: 'Привет,\t{{ contact.first_name }}\n!', html: '<p>x</p>' }, scope);
  assert.ok(r.ok);
  assert.equal(r.value.subject, 'Привет, Иван Bcc: all@example.ru !');
  assert.equal(oneLine(' a\u2028b\u0085c\u0000d  e '), 'a b c d e');
});

test('per-recipient problems: empty values blocked, unknown data reported, per field', () => {
  const c = compileEmail({
    subject: '{{ contact.middle_name }}',
    html: '<p>{{ contact.attributes.office }}</p>',
  });
  assert.ok(c.ok);
  const scope = buildScope({ ...ivan, middle_name: '' }, [], ORG);
  assert.deepEqual(renderEmail(c.value, scope, { empty: { mode: 'block' } }), {
    ok: false,
    problems: [
      {
        code: 'empty_value',
        field: 'subject',
        message: '«contact.middle_name» is empty for this recipient',
        line: 1,
        column: 1,
      },
      {
        code: 'render_error',
        field: 'html',
        message: 'undefined variable: contact.attributes.office, line:1, col:7',
        line: 1,
        column: 7,
      },
    ],
  });
  const broken = compileEmail({ subject: 'ok', html: '<p>{{ contact.name</p>' });
  assert.ok(
    !broken.ok && broken.problem.field === 'html' && broken.problem.message.startsWith('template error: '),
  );
  const badText = compileEmail({ subject: 'ok', html: '<p></p>', text: '{% if %}' });
  assert.ok(!badText.ok && badText.problem.field === 'text');
  const badUrl = renderEmail({ subject: 's', html: '<p></p>' }, SCOPE, {
    unsubscribeUrl: 'javascript:alert(1)',
  });
  assert.ok(!badUrl.ok && badUrl.problems[0]!.field === 'unsubscribeUrl');
});

test('what the sanitiser keeps: tables, inline styles, links, images, layout attributes', () => {
  const html =
    '<table cellpadding="4" cellspacing="0" border="1" bgcolor="#fff"><tr><td colspan="2" align="center" style="color: red">x</td></tr></table>' +
    '<a href="https://snt.example/" target="_blank">a</a><a href="mailto:info@snt.example">m</a><a href="tel:+79120000000">t</a>' +
    '<img src="https://snt.example/logo.png" alt="logo" width="120"><img src="cid:logo"><img src="data:image/png;base64,iVBORw0KGgo=">' +
    '<font color="#333" face="Arial">f</font><center>c</center><ul><li>1</li></ul><h1 style="font-size: 20px">h</h1>';
  assert.equal(
    sanitizeEmailHtml(html),
    '<table cellpadding="4" cellspacing="0" border="1" bgcolor="#fff"><tr><td colspan="2" align="center" style="color: red">x</td></tr></table>' +
      '<a href="https://snt.example/" target="_blank" rel="noopener noreferrer">a</a><a href="mailto:info@snt.example">m</a><a href="tel:+79120000000">t</a>' +
      '<img src="https://snt.example/logo.png" alt="logo" width="120" /><img src="cid:logo" /><img src="data:image/png;base64,iVBORw0KGgo=" />' +
      '<font color="#333" face="Arial">f</font><center>c</center><ul><li>1</li></ul><h1 style="font-size: 20px">h</h1>',
  );
});

test('style attributes keep every harmless declaration and lose the dangerous ones', () => {
  assert.equal(sanitizeStyle('color: red; font-weight: bold'), 'color: red; font-weight: bold');
  assert.equal(
    sanitizeStyle('color: red; background: url(https://x.example/bg.png) no-repeat; width: 10px'),
    'color: red; background: url(https://x.example/bg.png) no-repeat; width: 10px',
  );
  assert.equal(sanitizeStyle('color: red; width: expression(alert(1)); margin: 0'), 'color: red; margin: 0');
  assert.equal(sanitizeStyle('background: url(javascript:alert(1)); color: blue'), 'color: blue');
  assert.equal(sanitizeStyle("background-image: url('data:image/svg+xml,<svg/onload=alert(1)>')"), '');
  assert.equal(sanitizeStyle('width: \\65 xpression(alert(1))'), '');
  assert.equal(sanitizeStyle('width: ex/**/pression(alert(1))'), '');
  assert.equal(sanitizeStyle('behavior: url(x.htc); -moz-binding: url(x.xml#xss)'), '');
  assert.equal(sanitizeStyle('background: url(//evil.example/x.png)'), '');
});

test('inlineCss survives CSS it cannot read', () => {
  assert.equal(inlineCss('<style>p { color: red }</style><p>x</p>'), '<p style="color: red;">x</p>');
  const odd = inlineCss('<style>p { color: red; {{{ </style><p>x</p>');
  assert.equal(typeof odd, 'string');
  assert.ok(!sanitizeEmailHtml(odd).includes('<style'));
});
