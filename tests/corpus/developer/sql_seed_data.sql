-- SQL: seed data for a local development database (UUIDs, SKUs, prices)
INSERT INTO products (id, sku, name, price_cents, currency, created_at) VALUES
  ('1b4e28ba-2fa1-4d2c-8e3f-0a1b2c3d4e5f', 'SKU-000101', 'Ethiopia Yirgacheffe 250g', 1450, 'EUR', '2024-01-15 09:00:00+00'),
  ('2c5f39cb-3ab2-4e3d-9f40-1b2c3d4e5f60', 'SKU-000102', 'Colombia Huila 250g', 1290, 'EUR', '2024-01-15 09:00:00+00'),
  ('3d6a4adc-4bc3-4f4e-a051-2c3d4e5f6071', 'SKU-000103', 'Kenya AA 250g', 1690, 'EUR', '2024-01-15 09:00:00+00'),
  ('4e7b5bed-5cd4-4a5f-b162-3d4e5f607182', 'SKU-000184', 'Espresso beans 1kg', 2499, 'EUR', '2024-02-01 09:00:00+00'),
  ('5f8c6cfe-6de5-4b60-8273-4e5f60718293', 'SKU-000185', 'Decaf Swiss Water 500g', 1890, 'EUR', '2024-02-01 09:00:00+00'),
  ('6a9d7d0f-7ef6-4c71-9384-5f60718293a4', 'SKU-000220', 'Pour-over kettle 1.2l', 5900, 'EUR', '2024-03-10 09:00:00+00'),
  ('7bae8e10-8f07-4d82-a495-60718293a4b5', 'SKU-000221', 'Paper filters size 02 (100)', 690, 'EUR', '2024-03-10 09:00:00+00');

INSERT INTO feature_flags (key, enabled, rollout_percent) VALUES
  ('new_checkout', false, 0),
  ('apple_pay', true, 100),
  ('ai_recommendations', true, 25);

INSERT INTO api_tokens (user_id, name, token_prefix, token_sha256, scopes) VALUES
  ('9c0b1a2d-3e4f-4051-8627-3849506a7b8c', 'local-dev', 'acme_dev_', decode('5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', 'hex'), '{read_orders}');
