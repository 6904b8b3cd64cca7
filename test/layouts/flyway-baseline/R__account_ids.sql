CREATE OR REPLACE VIEW account_ids AS SELECT id FROM accounts;
