-- Moderation's queue (issue 18, MD-1, MD-3, MD-4).
-- The organisation's mode: none (straight out), automatic (a stop-word waits), manual (all waits).
-- Organisations that exist now get the instance default, automatic; new ones are created with a mode
-- (store/orgs.ts createOrg: the product's own paths ask for manual).
ALTER TABLE orgs ADD COLUMN moderation_mode text NOT NULL DEFAULT 'automatic'
  CHECK (moderation_mode IN ('none', 'automatic', 'manual'));
-- The organisation's own moderators decide its queue (staff grant it); otherwise only instance staff.
ALTER TABLE orgs ADD COLUMN self_moderation boolean NOT NULL DEFAULT false;
-- Instance staff: every organisation's queue, its mode, its decisions; nothing else of its data.
ALTER TABLE users ADD COLUMN staff boolean NOT NULL DEFAULT false;

ALTER TABLE campaigns DROP CONSTRAINT campaigns_state_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_state_check
  CHECK (state IN ('draft', 'scheduled', 'moderation', 'sending', 'paused', 'completed', 'cancelled'));
-- The last decision on it: {state, decidedBy, decidedAt, reason}, for the initiator to see.
ALTER TABLE campaigns ADD COLUMN moderation jsonb;
-- A recurring campaign's or automation's approved texts and sender (sha256): a run with the same
-- hash goes straight out.
ALTER TABLE campaigns ADD COLUMN approved_hash text;

-- What waits for a moderator: a launched campaign (its messages parked) or one single message.
CREATE TABLE moderation_items (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id       bigint NOT NULL REFERENCES orgs,
  kind         text NOT NULL CHECK (kind IN ('campaign', 'message')),
  ref_id       bigint NOT NULL,
  matches      jsonb NOT NULL DEFAULT '[]',
  -- Who launched or sent it: the campaign's launched_by once approved.
  initiator    text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Set once by the sweep when the instance's SLA passed without a decision.
  overdue_at   timestamptz,
  UNIQUE (kind, ref_id)
);
CREATE INDEX moderation_items_org_idx ON moderation_items (org_id, created_at);

-- Every decision and the SLA's overdue marks, with the texts as they stood.
CREATE TABLE moderation_audit (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      bigint NOT NULL,
  kind        text NOT NULL,
  ref_id      bigint NOT NULL,
  action      text NOT NULL CHECK (action IN ('approve', 'reject', 'overdue', 'mode')),
  reason      text,
  decided_by  text NOT NULL,
  decided_at  timestamptz NOT NULL DEFAULT now(),
  texts       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX moderation_audit_ref_idx ON moderation_audit (kind, ref_id);
