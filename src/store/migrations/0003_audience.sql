-- Audience (AU-1 … AU-8, AC-4): custom attributes, lists, consent, suppression, campaign exclusions,
-- import jobs, and what the filters need of objects. See docs/decisions/0007-audience-data.md.

-- Typed custom attributes: the values live in contacts.attributes (jsonb) under `name`; the definition
-- tells the filter compiler how to compare them.
CREATE TABLE attribute_definitions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  name        text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,62}$'),
  type        text NOT NULL CHECK (type IN ('number', 'text', 'date', 'boolean', 'list')),
  -- The allowed values of a `list` attribute (one of them per contact).
  options     jsonb NOT NULL DEFAULT '[]',
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);

-- Meters are objects too (AU-4 "has a meter").
ALTER TABLE objects DROP CONSTRAINT objects_kind_check;
ALTER TABLE objects ADD CONSTRAINT objects_kind_check CHECK (kind IN ('plot', 'account', 'order', 'loan', 'meter'));
-- Orders keep where the client travelled in attributes.country (ISO 3166 alpha-2) and
-- attributes.direction (free text); a contact's rating and office in contacts.attributes.rating and
-- .office. The filters read those keys (decision 0007).
CREATE INDEX objects_kind_idx ON objects (org_id, kind, contact_id);

-- A loan's payment schedule: one row per instalment.
CREATE TABLE loan_payments (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id          bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  object_id       bigint NOT NULL REFERENCES objects ON DELETE CASCADE,
  due_date        date NOT NULL,
  amount_kopecks  bigint NOT NULL CHECK (amount_kopecks >= 0),
  paid_kopecks    bigint NOT NULL DEFAULT 0 CHECK (paid_kopecks >= 0),
  paid_at         timestamptz
);
CREATE INDEX loan_payments_object_idx ON loan_payments (object_id, due_date);

-- Static lists (AU-3) of contacts or of objects.
CREATE TABLE lists (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind        text NOT NULL CHECK (kind IN ('contacts', 'objects')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);
CREATE TABLE list_contacts (
  list_id     bigint NOT NULL REFERENCES lists ON DELETE CASCADE,
  contact_id  bigint NOT NULL REFERENCES contacts ON DELETE CASCADE,
  org_id      bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX list_contacts_contact_idx ON list_contacts (contact_id);
CREATE TABLE list_objects (
  list_id     bigint NOT NULL REFERENCES lists ON DELETE CASCADE,
  object_id   bigint NOT NULL REFERENCES objects ON DELETE CASCADE,
  org_id      bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  PRIMARY KEY (list_id, object_id)
);
CREATE INDEX list_objects_object_idx ON list_objects (object_id);

-- Consent (AC-4, 38-FZ art. 18): one row per contact, channel and category; the latest grant with
-- its source and wording, and when it was withdrawn.
CREATE TABLE consents (
  org_id        bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  contact_id    bigint NOT NULL REFERENCES contacts ON DELETE CASCADE,
  channel       text NOT NULL CHECK (channel IN ('sms', 'messenger', 'email')),
  category      text NOT NULL CHECK (category IN ('advertising', 'informational', 'service')),
  source        text NOT NULL,
  wording       text NOT NULL,
  granted_at    timestamptz NOT NULL DEFAULT now(),
  withdrawn_at  timestamptz,
  PRIMARY KEY (contact_id, channel, category)
);
CREATE INDEX consents_org_idx ON consents (org_id, contact_id);

-- The suppression list: addresses never to message on a channel, whoever holds them.
CREATE TABLE suppressions (
  org_id      bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  channel     text NOT NULL CHECK (channel IN ('sms', 'messenger', 'email')),
  address     text NOT NULL,
  reason      text NOT NULL CHECK (reason IN ('unsubscribed', 'complaint', 'bounced', 'manual')),
  note        text NOT NULL DEFAULT '',
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, channel, address)
);

-- Campaigns: the category decides the consent needed; unticked recipients are kept per campaign.
ALTER TABLE campaigns ADD COLUMN category text NOT NULL DEFAULT 'informational'
  CHECK (category IN ('advertising', 'informational', 'service'));
CREATE TABLE campaign_exclusions (
  campaign_id  bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
  contact_id   bigint NOT NULL REFERENCES contacts ON DELETE CASCADE,
  org_id       bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, contact_id)
);

-- Indexes the audience plan uses: de-duplication by address, e-mail and chat lookups.
CREATE INDEX contacts_email_idx ON contacts (org_id, email) WHERE email IS NOT NULL;
CREATE INDEX contacts_chat_idx ON contacts (org_id, telegram_chat_id) WHERE telegram_chat_id IS NOT NULL;
CREATE INDEX messages_address_idx ON messages (org_id, channel, address) WHERE state = 'queued';

-- Import jobs (AU-8): progress counters and every rejected row with its reasons.
CREATE TABLE import_jobs (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id              bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  state               text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  format              text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  file_name           text NOT NULL DEFAULT '',
  size_bytes          bigint NOT NULL DEFAULT 0,
  mapping             jsonb,
  processed           int NOT NULL DEFAULT 0,
  created             int NOT NULL DEFAULT 0,
  updated             int NOT NULL DEFAULT 0,
  rejected            int NOT NULL DEFAULT 0,
  rejected_by_reason  jsonb NOT NULL DEFAULT '{}',
  error               text,
  created_by          text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  finished_at         timestamptz
);
CREATE INDEX import_jobs_org_idx ON import_jobs (org_id, id);
CREATE TABLE import_rejects (
  job_id    bigint NOT NULL REFERENCES import_jobs ON DELETE CASCADE,
  org_id    bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  row       int NOT NULL,
  problems  jsonb NOT NULL,
  PRIMARY KEY (job_id, row)
);

-- The next birthday on or after `today`, ignoring the year; 29 February falls on 28 February in a
-- common year. NULL birth date → NULL.
CREATE FUNCTION next_birthday(birth date, today date) RETURNS date IMMUTABLE LANGUAGE sql AS $$
  SELECT CASE WHEN this_year >= today THEN this_year ELSE next_year END
  FROM (SELECT
    make_date(y, m, CASE WHEN m = 2 AND d = 29 AND NOT (y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0)) THEN 28 ELSE d END) AS this_year,
    make_date(y + 1, m, CASE WHEN m = 2 AND d = 29 AND NOT ((y + 1) % 4 = 0 AND ((y + 1) % 100 <> 0 OR (y + 1) % 400 = 0)) THEN 28 ELSE d END) AS next_year
    FROM (SELECT extract(year FROM today)::int AS y, extract(month FROM birth)::int AS m,
                 extract(day FROM birth)::int AS d) p) q
$$;
