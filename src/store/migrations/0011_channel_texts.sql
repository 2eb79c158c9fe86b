-- Per-channel texts in one campaign (CH-6), the empty-value policy (CT-2) and attachments (CT-4).
-- `texts` holds {sms, messenger, email: {subject, html, text}}; text_template and subject stay the
-- primary channel's text, so everything that reads them keeps working.
ALTER TABLE campaigns ADD COLUMN texts jsonb NOT NULL DEFAULT '{}';
ALTER TABLE campaigns ADD COLUMN empty_policy jsonb NOT NULL DEFAULT '{"mode": "allow"}';
-- {documentIds: [...], perRecipient: null | {kind}}: files for everyone, and each recipient's own.
ALTER TABLE campaigns ADD COLUMN attachments jsonb NOT NULL DEFAULT '{"documentIds": [], "perRecipient": null}';
-- What an e-mail carries beyond subject and text: {html, headers, attachments: [{documentId, fileName}]}.
-- NULL for SMS and messenger, so their rows stay as narrow as before.
ALTER TABLE messages ADD COLUMN content jsonb;
