-- The dispatch's hot path (issue 6): a launch writes a million message rows in one transaction and a
-- worker writes a charge per accepted message. Every foreign key on those rows is a trigger that looks
-- up and share-locks the parent row, once per row: measured on a 100,000-row launch, the four keys of
-- `messages` cost more than all its indexes together (1.7 s of 3.1 s of the insert), and the ledger's
-- three keys are three lookups per charge. Their parents are never deleted by the product — no
-- organisation, campaign, gateway or message is ever removed — so the keys guard against nothing the
-- code can do; the one parent that is deleted, a contact, is cleared from its messages by the delete
-- itself (store/contacts.ts, deleteContact). The ledger is history: the ids it names stay as written.
-- See docs/decisions/0013-no-foreign-keys-on-the-hot-path.md.
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_org_id_fkey;
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_campaign_id_fkey;
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_contact_id_fkey;
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_gateway_id_fkey;
ALTER TABLE ledger DROP CONSTRAINT IF EXISTS ledger_org_id_fkey;
ALTER TABLE ledger DROP CONSTRAINT IF EXISTS ledger_campaign_id_fkey;
ALTER TABLE ledger DROP CONSTRAINT IF EXISTS ledger_message_id_fkey;
