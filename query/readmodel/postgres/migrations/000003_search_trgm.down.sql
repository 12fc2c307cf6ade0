DROP INDEX IF EXISTS customers_search_trgm;
DROP FUNCTION IF EXISTS search_trgm_of(bytea);
