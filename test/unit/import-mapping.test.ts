/**
 * Import delimiter sniffing and column mapping (AU-8).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkMapping,
  columnLetter,
  headerKey,
  suggestMapping,
  tableHeaders,
} from '../../src/core/import/mapping.ts';
import { sniffDelimiter } from '../../src/core/import/sniff.ts';

test('sniffDelimiter: `;`, `,` and tab files', () => {
  assert.equal(
    sniffDelimiter('Фамилия;Телефон;Долг\nИванов;89123456789;1500,50\nПетров;89123456780;0\n'),
    ';',
  );
  assert.equal(sniffDelimiter('Name,Phone,Debt\nIvanov,89123456789,1500.50\nPetrov,89123456780,0\n'), ',');
  assert.equal(sniffDelimiter('Name\tPhone\tDebt\nIvanov\t89123456789\t1500,50\n'), '\t');
});

test('sniffDelimiter: decimal commas in a `;` file do not make it a `,` file', () => {
  const head = 'ФИО;Сумма, руб.;Долг\nИванов;1500,50;0\nПетров;0;200,10\nСидоров;10,00;20,00\n';
  assert.equal(sniffDelimiter(head), ';');
});

test('sniffDelimiter: delimiters inside quoted cells do not count, line breaks inside them neither', () => {
  const head = 'name,phone,note\n"Иванов; Петров",1,"a;b;c"\n"x",2,"line\none;two"\nz,3,w\n';
  assert.equal(sniffDelimiter(head), ',');
  const semi = 'ФИО;Адрес\n"Иванов, Иван";"ул. Лесная, 5, кв. 1"\nПетров;"д. 2, кв. 3"\n';
  assert.equal(sniffDelimiter(semi), ';');
});

test('sniffDelimiter: a cut last line is ignored unless the text is final; one column defaults to `,`', () => {
  // The cut line has two commas: counted, `,` would look irregular; it is not counted.
  assert.equal(sniffDelimiter('a;b\n1;2\n3,4,5'), ';');
  assert.equal(sniffDelimiter('Телефон\n89123456789\n', true), ',');
  assert.equal(sniffDelimiter('a;b;c', false), ';');
  assert.equal(sniffDelimiter('', true), ',');
});

test('headerKey: case, punctuation, ё and units do not matter', () => {
  assert.equal(headerKey(' Моб. Телефон '), 'мобтелефон');
  assert.equal(headerKey('E-mail'), 'email');
  assert.equal(headerKey('Лицевой счёт'), 'лицевойсчет');
  assert.equal(headerKey('Долг, руб.'), 'долг');
  assert.equal(headerKey('№ участка'), 'участка');
  assert.equal(headerKey('Руб'), 'руб');
});

test('tableHeaders: empty headers named by their letter, duplicates numbered', () => {
  assert.deepEqual(tableHeaders(['Телефон', '', ' Телефон ', 'Телефон (2)', '  ']), [
    'Телефон',
    'Column B',
    'Телефон (2)',
    'Телефон (2) (2)',
    'Column E',
  ]);
  assert.deepEqual(tableHeaders(['__proto__']), ['__proto__ (2)']);
  assert.equal(columnLetter(0), 'A');
  assert.equal(columnLetter(25), 'Z');
  assert.equal(columnLetter(26), 'AA');
  assert.equal(columnLetter(701), 'ZZ');
  assert.equal(columnLetter(702), 'AAA');
});

test('suggestMapping: Russian headers of a garden association', () => {
  assert.deepEqual(
    suggestMapping([
      '№ п/п',
      'ФИО',
      'Фамилия',
      'Имя',
      'Отчество',
      'Телефон',
      'Моб. телефон',
      '№ участка',
      'Долг',
    ]),
    {
      '№ п/п': [],
      ФИО: ['fullName'],
      Фамилия: ['lastName'],
      Имя: ['firstName'],
      Отчество: ['middleName'],
      Телефон: ['phone'],
      'Моб. телефон': ['attributes.mob_telefon'],
      '№ участка': ['object.plot'],
      Долг: ['object.debt'],
    },
  );
});

test('suggestMapping: every field from its usual headers', () => {
  assert.deepEqual(
    suggestMapping([
      'Код',
      'E-mail',
      'Дата рождения',
      'Пол',
      'Часовой пояс',
      'Telegram chat id',
      'Лицевой счёт',
      'Начислено',
      'Задолженность',
      'Улица',
      'Column K',
    ]),
    {
      Код: ['externalId'],
      'E-mail': ['email'],
      'Дата рождения': ['birthDate'],
      Пол: ['gender'],
      'Часовой пояс': ['timeZone'],
      'Telegram chat id': ['telegramChatId'],
      'Лицевой счёт': ['object.account'],
      Начислено: ['object.charges'],
      Задолженность: ['object.debt'],
      Улица: ['attributes.ulitsa'],
      'Column K': [],
    },
  );
});

test('suggestMapping: English headers; an account without an id column is the external id too', () => {
  assert.deepEqual(suggestMapping(['Account', 'Name', 'Phone', 'Email', 'Birth date', 'Sex', 'Debt, RUB']), {
    Account: ['object.account', 'externalId'],
    Name: ['fullName'],
    Phone: ['phone'],
    Email: ['email'],
    'Birth date': ['birthDate'],
    Sex: ['gender'],
    'Debt, RUB': ['object.debt'],
  });
});

test('suggestMapping: amounts without a plot or account column are attributes; slugs stay unique', () => {
  assert.deepEqual(suggestMapping(['Телефон', 'Сумма', 'Примечание', 'примечание!']), {
    Телефон: ['phone'],
    Сумма: ['attributes.summa'],
    Примечание: ['attributes.primechaniye'],
    'примечание!': ['attributes.primechaniye_2'],
  });
});

test('checkMapping: the suggestion passes; a string is a list of one; null ignores', () => {
  const headers = ['ФИО', 'Телефон', 'Участок', 'Долг'];
  assert.deepEqual(checkMapping(headers, suggestMapping(headers)), {
    ok: true,
    value: { ФИО: ['fullName'], Телефон: ['phone'], Участок: ['object.plot'], Долг: ['object.debt'] },
  });
  assert.deepEqual(checkMapping(headers, { Телефон: 'phone', ФИО: null }), {
    ok: true,
    value: { Телефон: ['phone'], ФИО: [] },
  });
});

test('checkMapping: every problem at once, with the header in its field', () => {
  const r = checkMapping(['ФИО', 'Телефон', 'Тел. 2', 'Долг'], {
    Нет: 'phone',
    ФИО: 'name',
    Телефон: ['attributes.x', 'attributes.', 'attributes.__proto__'],
    'Тел. 2': 'attributes.x',
    Долг: 'object.debt',
  });
  assert.deepEqual(r, {
    ok: false,
    problems: [
      { field: 'mapping.Нет', value: 'Нет', message: '`Нет` is not a column of the file' },
      { field: 'mapping.ФИО', value: 'name', message: '`name` is not a field to import into' },
      {
        field: 'mapping.Телефон',
        value: 'attributes.',
        message: '`attributes.` is not a field to import into',
      },
      {
        field: 'mapping.Телефон',
        value: 'attributes.__proto__',
        message: '`attributes.__proto__` is not a field to import into',
      },
      {
        field: 'mapping.Тел. 2',
        value: 'attributes.x',
        message: '`attributes.x` is already filled from column «Телефон»',
      },
      {
        field: 'mapping',
        value: null,
        message: 'no column is mapped to phone, email or externalId: a contact is found by one of them',
      },
      {
        field: 'mapping.Долг',
        value: 'object.debt',
        message: '`object.debt` needs a column mapped to object.plot or object.account to belong to',
      },
    ],
  });
});
