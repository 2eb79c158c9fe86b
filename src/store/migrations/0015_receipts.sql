-- Delivery receipts are an inbox (issue 19). Every final report a gateway gives — a callback, an SMPP
-- receipt, a poll — is stored here before it is acknowledged, then applied to its message by
-- store/receipts.ts. Both the receipt's transaction and the send outcome's look for the other once
-- they have committed, so whichever commits second applies it: a report that overtakes the gateway's
-- answer to the send is never lost (early_reports, which it replaces, lost one when the two
-- committed at once).
CREATE TABLE delivery_receipts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gateway_id      bigint NOT NULL,
  provider_id     text NOT NULL,
  state           text NOT NULL,
  raw_status      text NOT NULL,
  -- The address the receipt names, where it names one; its last ten digits for matching.
  destination     text,
  destination_key text,
  received_at     timestamptz NOT NULL,
  -- pending: no message in its life carries the id yet (the send's answer is not written);
  -- applied: to message_id (and part, for a part of a long SMS); ambiguous: several messages in
  -- their life carry the id (a reused id and no destination to tell them apart); unmatched: none.
  outcome         text NOT NULL DEFAULT 'pending'
                    CHECK (outcome IN ('pending', 'applied', 'ambiguous', 'unmatched')),
  message_id      bigint,
  part            smallint,
  decided_at      timestamptz
);
CREATE INDEX delivery_receipts_provider_idx ON delivery_receipts (gateway_id, provider_id)
  WHERE outcome = 'pending';
CREATE INDEX delivery_receipts_gateway_idx ON delivery_receipts (gateway_id, outcome, id);
CREATE INDEX delivery_receipts_decided_idx ON delivery_receipts (decided_at);

-- A long SMS sent as several submits (SMPP with a UDH or sar_* options) has a provider id per part;
-- each part's receipt is tracked here and the message's state follows its parts.
ALTER TABLE messages ADD COLUMN parts smallint;
CREATE TABLE message_parts (
  message_id   bigint NOT NULL,
  part         smallint NOT NULL,
  gateway_id   bigint NOT NULL,
  provider_id  text NOT NULL,
  state        text NOT NULL DEFAULT 'submitted',
  raw_status   text,
  PRIMARY KEY (message_id, part)
);
CREATE INDEX message_parts_provider_idx ON message_parts (gateway_id, provider_id);

-- Kept reports of the old table move to the inbox as pending, to be applied or decided by the sweep.
INSERT INTO delivery_receipts (gateway_id, provider_id, state, raw_status, received_at)
  SELECT gateway_id, provider_id, state, raw_status, received_at FROM early_reports;
DROP TABLE early_reports;
