-- SQL: a Flyway migration adding idempotency keys and backfilling them
-- V2024_05_02_1__payments_idempotency.sql
ALTER TABLE payments ADD COLUMN idempotency_key uuid;

UPDATE payments
   SET idempotency_key = gen_random_uuid()
 WHERE idempotency_key IS NULL;

ALTER TABLE payments ALTER COLUMN idempotency_key SET NOT NULL;
CREATE UNIQUE INDEX CONCURRENTLY uk_payment_idempotency_key ON payments (idempotency_key);

INSERT INTO payment_providers (id, code, display_name, enabled, config) VALUES
  ('6f1d2c3b-4a5e-4f60-8172-93a4b5c6d7e8', 'stripe', 'Stripe', true,
   '{"api_version": "2024-04-10", "secret_ref": "vault:secret/data/payments/stripe#secret_key"}'),
  ('7a2e3d4c-5b6f-4071-8283-a4b5c6d7e8f9', 'adyen', 'Adyen', false,
   '{"environment": "test", "api_key_ref": "vault:secret/data/payments/adyen#api_key"}');

COMMENT ON COLUMN payments.idempotency_key IS 'Client-supplied key; a retry with the same key returns the first result';
