DROP INDEX IF EXISTS customers_search_trgm;
ALTER TABLE customers DROP COLUMN IF EXISTS search_trgm;
DROP FUNCTION IF EXISTS search_trgm_of(bytea);
