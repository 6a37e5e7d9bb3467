-- Seed table for connectors/jdbc-postgres-users-source.json (timestamp mode on updated_at).
CREATE TABLE IF NOT EXISTS users (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT        NOT NULL,
    email        TEXT,
    private_info TEXT,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS users_updated_at ON users (updated_at);

INSERT INTO users (name, email, private_info)
SELECT 'user-' || g, 'user' || g || '@example.com', 'passport ' || (1000000 + g)
FROM generate_series(1, 1000) AS g;
