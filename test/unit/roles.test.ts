/**
 * Roles (AC-1): one permission table; nobody may hand out more than they have, the owner may hand out all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { can, isRole, mayGrant, type Permission, ROLES, type Role } from '../../src/core/roles.ts';

const PERMISSIONS: Permission[] = [
  'read',
  'contacts.write',
  'campaigns.write',
  'campaigns.launch',
  'messages.send',
  'moderate',
  'users.manage',
  'keys.manage',
  'gateways.manage',
  'balance.topup',
];

/** Written out in full, so a change to the table in src/core/roles.ts must be made here too. */
const EXPECTED: Record<Role, Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  operator: ['read', 'contacts.write', 'campaigns.write', 'campaigns.launch', 'messages.send'],
  moderator: ['read', 'moderate'],
  viewer: ['read'],
};

const permissionsOf = (role: Role) => PERMISSIONS.filter((p) => can(role, p));

test('the five roles of AC-1', () => {
  assert.deepEqual([...ROLES], ['owner', 'admin', 'operator', 'moderator', 'viewer']);
});

test('can: the whole permission table', () => {
  for (const role of ROLES) assert.deepEqual(permissionsOf(role), EXPECTED[role], role);
});

test('can: the moderator reviews but does not send; the viewer only reads', () => {
  assert.equal(can('moderator', 'moderate'), true);
  assert.equal(can('moderator', 'messages.send'), false);
  assert.equal(can('moderator', 'campaigns.launch'), false);
  assert.equal(can('operator', 'moderate'), false);
  assert.equal(can('operator', 'users.manage'), false);
  assert.equal(can('operator', 'gateways.manage'), false);
  assert.equal(can('viewer', 'read'), true);
  assert.equal(can('viewer', 'contacts.write'), false);
});

test('mayGrant: the owner may grant every role, itself included', () => {
  for (const role of ROLES) assert.equal(mayGrant('owner', role), true, role);
});

test('mayGrant: the full matrix', () => {
  const grantable = (granter: Role) => ROLES.filter((r) => mayGrant(granter, r));
  assert.deepEqual(grantable('owner'), ['owner', 'admin', 'operator', 'moderator', 'viewer']);
  // An admin creates the working roles; only the owner makes admins and owners.
  assert.deepEqual(grantable('admin'), ['operator', 'moderator', 'viewer']);
  // An operator lacks `moderate`, so it may not create a moderator.
  assert.deepEqual(grantable('operator'), ['viewer']);
  assert.deepEqual(grantable('moderator'), ['viewer']);
  assert.deepEqual(grantable('viewer'), []);
});

test('mayGrant: no one may grant a permission they lack', () => {
  for (const granter of ROLES) {
    for (const granted of ROLES) {
      if (!mayGrant(granter, granted)) continue;
      for (const p of permissionsOf(granted)) {
        assert.equal(can(granter, p), true, `${granter} grants ${granted}, which has ${p}`);
      }
    }
  }
});

test('isRole: exactly the five names, no prototype tricks', () => {
  for (const r of ROLES) assert.equal(isRole(r), true, r);
  for (const s of [
    'Owner',
    'OWNER',
    'root',
    '',
    ' owner',
    'constructor',
    'toString',
    '__proto__',
    'length',
  ]) {
    assert.equal(isRole(s), false, s);
  }
});
