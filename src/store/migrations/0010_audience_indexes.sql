-- Indexes for the audience's count and exclusion report over a million contacts (issue 4, AU-6).
-- See docs/audience.md, "Speed".

-- Counts and sums over objects (`objects` filter) read the index alone: the debt and charges ride
-- along, so a GROUP BY contact_id never visits the table.
DROP INDEX IF EXISTS objects_kind_idx;
CREATE INDEX objects_kind_idx ON objects (org_id, kind, contact_id) INCLUDE (debt_kopecks, charges_kopecks);
DROP INDEX IF EXISTS objects_contact_idx;
CREATE INDEX objects_contact_idx ON objects (org_id, contact_id) INCLUDE (debt_kopecks, charges_kopecks);

-- Advertising consent is probed per selected contact: only live advertising grants, so the probe
-- needs no look at the row to check the category or a withdrawal.
CREATE INDEX consents_advertising_idx ON consents (org_id, channel, contact_id)
  WHERE category = 'advertising' AND withdrawn_at IS NULL;

-- Loan payments due or overdue in a window (`payment` filter, seed 004): only unpaid instalments.
CREATE INDEX loan_payments_due_idx ON loan_payments (org_id, due_date) INCLUDE (object_id)
  WHERE paid_kopecks < amount_kopecks;
