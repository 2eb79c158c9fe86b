-- Tenants, people and keys. Every table of tenant data carries org_id, and every query filters on it.

CREATE TABLE orgs (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  time_zone   text NOT NULL DEFAULT 'Europe/Moscow',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id         bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  email          text NOT NULL,
  name           text NOT NULL DEFAULT '',
  role           text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'moderator', 'viewer')),
  password_hash  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  disabled_at    timestamptz
);
-- One account per e-mail across the installation: sign-in by e-mail must find one user.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_org_idx ON users (org_id);

CREATE TABLE sessions (
  token_hash  text PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  org_id      bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  csrf_token  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);

CREATE TABLE api_keys (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id        bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'moderator', 'viewer')),
  -- The key is shown once; only a SHA-256 of its secret part is kept (the secret is 256 random bits,
  -- so a fast hash is enough, unlike a password).
  secret_hash   text NOT NULL UNIQUE,
  prefix        text NOT NULL,
  created_by    bigint REFERENCES users ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_org_idx ON api_keys (org_id);

-- Contacts (AU-1, first cut) and the objects linked to them (AU-2, first cut).

CREATE TABLE contacts (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id            bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  external_id       text,
  last_name         text NOT NULL DEFAULT '',
  first_name        text NOT NULL DEFAULT '',
  middle_name       text NOT NULL DEFAULT '',
  phone             text,            -- E.164, normalised on the way in
  email             text,            -- validated, lower-cased domain
  telegram_chat_id  text,
  time_zone         text,            -- IANA zone; NULL means "derive from phone or organisation"
  gender            text CHECK (gender IN ('male', 'female')),
  birth_date        date,
  attributes        jsonb NOT NULL DEFAULT '{}',
  do_not_message    boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX contacts_external_id_key ON contacts (org_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX contacts_org_id_idx ON contacts (org_id, id);
CREATE INDEX contacts_phone_idx ON contacts (org_id, phone);

CREATE TABLE objects (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id            bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  contact_id        bigint NOT NULL REFERENCES contacts ON DELETE CASCADE,
  kind              text NOT NULL CHECK (kind IN ('plot', 'account', 'order', 'loan')),
  number            text NOT NULL,   -- plot number, account number, order or loan number
  -- Money is integer kopecks everywhere: never floating point.
  charges_kopecks   bigint NOT NULL DEFAULT 0,
  debt_kopecks      bigint NOT NULL DEFAULT 0,
  attributes        jsonb NOT NULL DEFAULT '{}',
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, kind, number)
);
CREATE INDEX objects_contact_idx ON objects (org_id, contact_id);

-- Gateways configured per organisation; every new organisation gets the sandbox for each channel.

CREATE TABLE gateways (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id           bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  name             text NOT NULL,
  kind             text NOT NULL,    -- sandbox, smsaero, smsc, smpp, kannel, smtp, unisender, telegram
  channel          text NOT NULL CHECK (channel IN ('sms', 'messenger', 'email')),
  priority         int NOT NULL DEFAULT 0,  -- lowest first: the primary gateway of its channel
  settings         jsonb NOT NULL DEFAULT '{}',
  -- Checked on every delivery callback to this gateway's URL.
  callback_secret  text NOT NULL,
  enabled          boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);

-- Campaigns (SD-1) and their messages (SD-2). The messages table is also the dispatch queue.

CREATE TABLE campaigns (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id         bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  name           text NOT NULL,
  channel        text NOT NULL CHECK (channel IN ('sms', 'messenger', 'email')),
  text_template  text NOT NULL,
  subject        text,             -- e-mail only
  audience       jsonb NOT NULL,   -- the selection, resolved at launch (AU-7)
  state          text NOT NULL DEFAULT 'draft'
                 CHECK (state IN ('draft', 'sending', 'completed', 'cancelled')),
  created_by     text NOT NULL,    -- 'user:7' or 'key:3': the initiator (AC-1)
  created_at     timestamptz NOT NULL DEFAULT now(),
  launched_at    timestamptz,
  launched_by    text,
  finished_at    timestamptz
);
CREATE INDEX campaigns_org_idx ON campaigns (org_id, id);
CREATE INDEX campaigns_sending_idx ON campaigns (id) WHERE state = 'sending';

CREATE TABLE messages (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id                bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  campaign_id           bigint REFERENCES campaigns ON DELETE CASCADE,  -- NULL: a transactional send
  contact_id            bigint REFERENCES contacts ON DELETE SET NULL,
  channel               text NOT NULL CHECK (channel IN ('sms', 'messenger', 'email')),
  address               text NOT NULL,
  subject               text,
  body                  text NOT NULL,
  state                 text NOT NULL CHECK (state IN ('prepared', 'excluded', 'invalid_address', 'queued',
                          'submitted', 'delivered', 'undelivered', 'rejected', 'expired', 'unknown')),
  reason                text,           -- why excluded, rejected or failed, in words
  -- Dispatch: when the row is next due for this process (send, retry, lease expiry, status poll).
  due_at                timestamptz,
  lease_owner           text,
  attempts              int NOT NULL DEFAULT 0,
  gateway_id            bigint REFERENCES gateways ON DELETE SET NULL,
  provider_message_id   text,
  raw_status            text,           -- the gateway's own code beside the normalised state
  segments              int NOT NULL DEFAULT 0,
  price_kopecks         bigint NOT NULL DEFAULT 0,
  idempotency_key       text,
  request_hash          text,
  initiator             text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  submitted_at          timestamptz,
  final_at              timestamptz,
  status_deadline       timestamptz     -- no final report by then → expired
);
-- A relaunch can never write a second message for the same recipient and channel.
CREATE UNIQUE INDEX messages_recipient_key ON messages (campaign_id, contact_id, channel)
  WHERE campaign_id IS NOT NULL AND contact_id IS NOT NULL;
CREATE UNIQUE INDEX messages_idempotency_key ON messages (org_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- The queue: only rows that still have something to do are indexed.
CREATE INDEX messages_due_idx ON messages (due_at) WHERE state IN ('queued', 'submitted');
CREATE INDEX messages_campaign_state_idx ON messages (campaign_id, state);
CREATE INDEX messages_provider_idx ON messages (gateway_id, provider_message_id)
  WHERE provider_message_id IS NOT NULL;
CREATE INDEX messages_contact_idx ON messages (org_id, contact_id, id);

-- The rank of core/states.ts, for monotonic updates in SQL: a report may only raise a message's rank.
CREATE FUNCTION message_state_rank(s text) RETURNS int IMMUTABLE LANGUAGE sql AS $$
  SELECT CASE s
    WHEN 'prepared' THEN 0 WHEN 'queued' THEN 1 WHEN 'submitted' THEN 2
    WHEN 'unknown' THEN 3 WHEN 'expired' THEN 3
    WHEN 'undelivered' THEN 4 WHEN 'rejected' THEN 4 WHEN 'delivered' THEN 5
    ELSE 9 END
$$;
