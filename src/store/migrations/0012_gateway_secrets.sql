-- Gateway credentials (passwords, API keys, tokens) sealed with AES-256-GCM by core/secrets.ts under
-- a key from the environment (VESTNIK_SECRET_KEY), never stored here. `settings` keeps only what is
-- not secret. NULL: the gateway has no secrets. See docs/decisions/0010-gateway-credentials.md.
ALTER TABLE gateways ADD COLUMN secrets text;
