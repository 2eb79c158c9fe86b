import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';

test('a contact is created with its phone normalised, and bad input names the field and the value', async () => {
  const api = await createTestApi();
  const ok = await api.call('POST', '/api/v1/contacts', {
    firstName: 'Иван',
    phone: '8 (912) 345-67-89',
    email: 'Ivan@Example.RU',
  });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.phone, '+79123456789');
  assert.equal(ok.body.email, 'Ivan@example.ru');
  const bad = await api.call('POST', '/api/v1/contacts', { firstName: 'Пётр', phone: '8 (912) 34' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'invalid_input');
  assert.match(bad.body.error.message, /phone: `8 \(912\) 34` is not a phone number/);
  assert.deepEqual(bad.body.error.details[0], {
    field: 'phone',
    value: '8 (912) 34',
    message: '`8 (912) 34` is not a phone number',
  });
});
