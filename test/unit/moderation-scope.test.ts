/** Whose moderation queue a person decides (issue 18, MD-4): staff all, own moderators only when self-moderated. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moderationScope, ROLES } from '../../src/core/roles.ts';
import { defaultModerationMode, newOrgModerationMode } from '../../src/store/orgs.ts';

test('staff decide every queue; an organisation’s moderators their own only when it moderates itself', () => {
  for (const role of ROLES) {
    assert.equal(moderationScope({ staff: true, role, selfModeration: false }), 'all');
    const own = role === 'owner' || role === 'admin' || role === 'moderator' ? 'own' : 'none';
    assert.equal(moderationScope({ staff: false, role, selfModeration: true }), own, role);
    assert.equal(moderationScope({ staff: false, role, selfModeration: false }), 'none', role);
  }
});

test('modes: the instance default is automatic; new organisations start in manual unless the instance moderates nothing', () => {
  assert.equal(defaultModerationMode({}), 'automatic');
  assert.equal(defaultModerationMode({ VESTNIK_MODERATION_DEFAULT: 'lenient' }), 'automatic');
  assert.equal(defaultModerationMode({ VESTNIK_MODERATION_DEFAULT: 'none' }), 'none');
  assert.equal(newOrgModerationMode({}), 'manual');
  assert.equal(newOrgModerationMode({ VESTNIK_MODERATION_DEFAULT: 'manual' }), 'manual');
  assert.equal(newOrgModerationMode({ VESTNIK_MODERATION_DEFAULT: 'none' }), 'none');
});
