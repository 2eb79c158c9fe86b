-- Callback and link secrets sealed at rest (issue 20 item 8, docs/decisions/0020-secrets-at-rest.md).
-- An organisation's link secret becomes text: its 32 bytes as hex now, and once the server has
-- started, a value sealed by core/secrets.ts (`v1.…`) that only the configured key opens. The key is
-- not in the database, so sealing happens in the application at start (services/resealSecrets.ts),
-- not here; until then a value without the `v1.` prefix is read as the secret itself. Gateways'
-- callback secrets are text already and are sealed the same way.
ALTER TABLE orgs ALTER COLUMN link_secret DROP DEFAULT;
ALTER TABLE orgs ALTER COLUMN link_secret TYPE text USING encode(link_secret, 'hex');
