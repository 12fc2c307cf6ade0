-- The customers read model and the projections' checkpoints, as the SQLite
-- read model holds them (query/readmodel/schema.go), with two differences:
--
-- * Identifiers and the name sort key sort by bytes (COLLATE "C"), as
--   SQLite's BINARY collation and Go's string comparison do, whatever the
--   database's locale.
-- * description, custom_data and search_text are bytea: a description may
--   hold NUL (the domain forbids control characters only in names), custom
--   data is the client's JSON kept byte for byte, and the search text
--   separates its fields with NUL; PostgreSQL's text holds neither NUL nor
--   invalid UTF-8.
--
-- Timestamps are Unix nanoseconds: timestamptz keeps microseconds only.
CREATE TABLE IF NOT EXISTS customers (
	id             text COLLATE "C" PRIMARY KEY,
	parent_org_id  text COLLATE "C" NOT NULL,
	name           text NOT NULL,
	name_key       text COLLATE "C" NOT NULL,
	description    bytea NOT NULL,
	custom_data    bytea NOT NULL,
	vat            text NOT NULL,
	vat_normalized text NOT NULL,
	logo_url       text NOT NULL,
	dark_logo_url  text NOT NULL,
	created_at     bigint NOT NULL,
	updated_at     bigint NOT NULL,
	version        bigint NOT NULL,
	search_text    bytea NOT NULL
);

CREATE TABLE IF NOT EXISTS checkpoints (
	projection text COLLATE "C" PRIMARY KEY,
	position   bigint NOT NULL
);

CREATE INDEX IF NOT EXISTS customers_parent_created ON customers (parent_org_id, created_at, id);
CREATE INDEX IF NOT EXISTS customers_parent_name ON customers (parent_org_id, name_key, id);
CREATE INDEX IF NOT EXISTS customers_parent_updated ON customers (parent_org_id, updated_at, id);
CREATE INDEX IF NOT EXISTS customers_created ON customers (created_at, id);
CREATE INDEX IF NOT EXISTS customers_name ON customers (name_key, id);
CREATE INDEX IF NOT EXISTS customers_updated ON customers (updated_at, id);
