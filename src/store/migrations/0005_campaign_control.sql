-- Campaign control (SD-1): a campaign can be paused and resumed, and closed by force.
ALTER TABLE campaigns DROP CONSTRAINT campaigns_state_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_state_check
  CHECK (state IN ('draft', 'sending', 'paused', 'completed', 'cancelled'));
-- Set when an operator closed the campaign before every message was final.
ALTER TABLE campaigns ADD COLUMN closed_by_force boolean NOT NULL DEFAULT false;
