-- Documents stored per object (issue 5 item 6): receipts and the like, served by signed links.
-- The bytes live in the database (decision 0008): every worker process, wherever it runs, sees
-- the same documents with the same transactions and backups as the rest of the data.

-- The secret that signs an organisation's public links (documents, unsubscribe). New organisations
-- get 32 bytes from the application's CSPRNG (store/orgs.ts); existing ones get the default here:
-- two v4 UUIDs, 244 bits from PostgreSQL's strong random source (gen_random_uuid is built in
-- since 13 and needs no extension, unlike gen_random_bytes).
ALTER TABLE orgs ADD COLUMN link_secret bytea NOT NULL
  DEFAULT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex')
  CHECK (octet_length(link_secret) >= 32);

CREATE TABLE documents (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id        bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  object_id     bigint NOT NULL REFERENCES objects ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,31}$'),
  file_name     text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  content_type  text NOT NULL,
  size_bytes    int NOT NULL CHECK (size_bytes >= 0),
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  -- Stored out of line by TOAST; never selected except to serve the file.
  content       bytea NOT NULL,
  created_by    text NOT NULL,
  -- Moved forward when the same bytes are uploaded again, so they become the latest once more.
  uploaded_at   timestamptz NOT NULL DEFAULT now()
);
-- Versions are kept (a link already sent keeps showing what it was sent for); uploading the same
-- bytes again for the same object and kind is the same document.
CREATE UNIQUE INDEX documents_content_key ON documents (org_id, object_id, kind, sha256);
CREATE INDEX documents_latest_idx ON documents (org_id, object_id, kind, uploaded_at DESC, id DESC);
