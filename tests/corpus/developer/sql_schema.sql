-- SQL: PostgreSQL schema for an auth service (hashed secrets only)
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username        citext NOT NULL UNIQUE,
    password_hash   text NOT NULL,
    password_algo   text NOT NULL DEFAULT 'argon2id',
    mfa_enabled     boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id              bigserial PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name            text NOT NULL,
    token_prefix    varchar(12) NOT NULL,
    token_sha256    bytea NOT NULL UNIQUE,
    scopes          text[] NOT NULL DEFAULT '{}',
    last_used_at    timestamptz,
    expires_at      timestamptz,
    revoked_at      timestamptz,
    CONSTRAINT api_tokens_name_uniq UNIQUE (user_id, name)
);

CREATE INDEX api_tokens_active_idx ON api_tokens (user_id) WHERE revoked_at IS NULL;

CREATE TABLE password_resets (
    token_sha256    bytea PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    consumed_at     timestamptz
);

CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Lookup used by the API: hash the presented token, compare digests.
-- SELECT u.id, t.scopes FROM api_tokens t JOIN users u ON u.id = t.user_id
--  WHERE t.token_sha256 = digest($1, 'sha256') AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now());

GRANT SELECT, INSERT, UPDATE ON users, api_tokens, password_resets TO auth_app;
