-- Transactional messages (SD-6: «delivered to the gateway within seconds») must not wait behind a
-- campaign's backlog: the claim takes the lowest priority first, then the earliest due.
-- 0: single messages through the API and the command line; 5: campaigns.
ALTER TABLE messages ADD COLUMN priority smallint NOT NULL DEFAULT 5;
DROP INDEX messages_due_idx;
CREATE INDEX messages_due_idx ON messages (priority, due_at) WHERE state IN ('queued', 'submitted');
