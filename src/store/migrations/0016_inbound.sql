-- Incoming messages (issue 19): replies to SMS, «СТОП», messages to the Telegram bot. One row per
-- message a person sent to the organisation, from whichever gateway brought it: a callback, the
-- gateway's own connection (SMPP deliver_sm), or polling. A provider's id is unique per gateway, so
-- a repeat (a callback retried, a poll that overlaps the last one) is stored once; messages without
-- a provider id are always stored.
CREATE TABLE inbound_messages (
  id                  bigserial PRIMARY KEY,
  org_id              bigint NOT NULL REFERENCES orgs ON DELETE CASCADE,
  gateway_id          bigint NOT NULL REFERENCES gateways ON DELETE CASCADE,
  channel             text NOT NULL CHECK (channel IN ('sms', 'messenger', 'email')),
  -- Normalised the way contacts store it (E.164, a chat id); as the provider gave it when it is not
  -- an address Vestnik can normalise (a short code, an alphanumeric name).
  from_address        text NOT NULL,
  to_address          text,
  text                text NOT NULL,
  provider_id         text,
  received_at         timestamptz NOT NULL,
  stored_at           timestamptz NOT NULL DEFAULT now(),
  -- The lowest contact id of the organisation holding the address when the reply came (NULL: none).
  contact_id          bigint REFERENCES contacts ON DELETE SET NULL,
  -- The message it most likely answers: the latest one sent to that address by the organisation on
  -- the channel within the week before. Messages carry no foreign keys (decision 0013): nor does this.
  message_id          bigint,
  campaign_id         bigint,
  -- A stop request (AC-4), and what was done about it.
  is_stop             boolean NOT NULL DEFAULT false,
  excluded_messages   integer,
  confirmation_id     bigint,
  UNIQUE (gateway_id, provider_id)
);
CREATE INDEX inbound_messages_org_time ON inbound_messages (org_id, received_at DESC, id DESC);
CREATE INDEX inbound_messages_org_contact ON inbound_messages (org_id, contact_id, id DESC);
CREATE INDEX inbound_messages_org_from ON inbound_messages (org_id, from_address, id DESC);

-- What an organisation does with replies: its stop words (NULL: the defaults of
-- core/replies/stopWords.ts), and whether a stop request is answered, with which text.
CREATE TABLE reply_settings (
  org_id             bigint PRIMARY KEY REFERENCES orgs ON DELETE CASCADE,
  stop_words         text[],
  confirm_stop       boolean NOT NULL DEFAULT false,
  confirmation_text  text
);

-- Where polling an inbox (Telegram's getUpdates, SMSC's list of answers) goes on from: kept here so a
-- restart neither loses nor repeats. The cursor moves only after the messages it covers are stored;
-- `leased_until` keeps two processes from polling one gateway at once.
CREATE TABLE inbound_cursors (
  gateway_id    bigint PRIMARY KEY REFERENCES gateways ON DELETE CASCADE,
  cursor        text,
  leased_until  timestamptz,
  polled_at     timestamptz
);
