-- SMS economics (BL-1 … BL-4, CT-5): tariffs, the prepaid balance as a ledger, sender names.

CREATE TABLE tariffs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id          bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  channel         text NOT NULL CHECK (channel IN ('sms', 'messenger', 'email')),
  country         text NOT NULL CHECK (country ~ '^([A-Z]{2}|\*)$'),
  operator        text,
  price_kopecks   bigint NOT NULL CHECK (price_kopecks >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);
-- One tariff per (channel, country, operator); NULL operator means "any" and is unique too.
CREATE UNIQUE INDEX tariffs_key ON tariffs (org_id, channel, country, coalesce(operator, ''));

-- The balance of each organisation, kept equal to the sums of its ledger. Available money is
-- balance − reserved, and the CHECKs make an overdraft impossible whatever runs concurrently:
-- every change goes through one UPDATE of this row.
CREATE TABLE balances (
  org_id            bigint PRIMARY KEY REFERENCES orgs ON DELETE CASCADE,
  balance_kopecks   bigint NOT NULL DEFAULT 0 CHECK (balance_kopecks >= 0),
  reserved_kopecks  bigint NOT NULL DEFAULT 0 CHECK (reserved_kopecks >= 0),
  CHECK (balance_kopecks >= reserved_kopecks)
);
INSERT INTO balances (org_id) SELECT id FROM orgs;

CREATE TABLE ledger (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id                  bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  kind                    text NOT NULL CHECK (kind IN ('topup', 'reserve', 'charge', 'release')),
  -- Effect on the balance (a top-up adds, a charge takes) and on the reservations.
  amount_kopecks          bigint NOT NULL,
  reserved_delta_kopecks  bigint NOT NULL DEFAULT 0,
  campaign_id             bigint REFERENCES campaigns ON DELETE SET NULL,
  message_id              bigint REFERENCES messages ON DELETE SET NULL,
  comment                 text NOT NULL DEFAULT '',
  initiator               text NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_org_time_idx ON ledger (org_id, created_at, id);
-- A message is charged once, whatever retries, crashes or duplicate reports happen.
CREATE UNIQUE INDEX ledger_one_charge_per_message ON ledger (message_id) WHERE kind = 'charge';

-- What a campaign still holds of its reservation; released when it completes or is cancelled.
ALTER TABLE campaigns ADD COLUMN reserved_kopecks bigint NOT NULL DEFAULT 0 CHECK (reserved_kopecks >= 0);
ALTER TABLE campaigns ADD COLUMN transliterate boolean NOT NULL DEFAULT false;
ALTER TABLE campaigns ADD COLUMN sender text;
ALTER TABLE messages ADD COLUMN sender text;
-- A single message's own reservation (campaign messages draw on their campaign's).
ALTER TABLE messages ADD COLUMN reserved_kopecks bigint NOT NULL DEFAULT 0;
-- What was really charged: the gateway's own cost when it reports one, else the price.
ALTER TABLE messages ADD COLUMN cost_kopecks bigint;

CREATE TABLE sender_names (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id       bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  gateway_id   bigint NOT NULL REFERENCES gateways ON DELETE CASCADE,
  name         text NOT NULL,
  state        text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'approved', 'rejected')),
  reason       text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  decided_at   timestamptz,
  UNIQUE (gateway_id, name)
);
CREATE INDEX sender_names_org_idx ON sender_names (org_id);
