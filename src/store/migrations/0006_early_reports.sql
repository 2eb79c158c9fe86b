-- A delivery report can overtake the gateway's answer to the submit (a fast operator, a slow
-- network): it names a provider id no message carries yet. Such reports wait here and are applied
-- when the submit result is written; old ones are dropped by the dispatcher's sweep.
CREATE TABLE early_reports (
  gateway_id   bigint NOT NULL REFERENCES gateways ON DELETE CASCADE,
  provider_id  text NOT NULL,
  state        text NOT NULL,
  raw_status   text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (gateway_id, provider_id, state)
);
