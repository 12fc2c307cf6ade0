-- An index for the search (issue 13): pg_trgm's GIN index answers
-- "contains this substring" (LIKE '%…%') from the trigrams of the text,
-- instead of a scan of every customer in scope.
--
-- It cannot index search_text itself, which is bytea (see 000001): it
-- indexes search_trgm_of(search_text), the search text as text. Each NUL,
-- which text cannot hold, becomes U+001F (the unit separator); the rest
-- is read as UTF-8. The search text is valid UTF-8 apart from its NULs,
-- as readmodel.SearchKeys writes it (strings.ToLower writes each invalid
-- byte as U+FFFD); bytes that were not would fail to write rather than be
-- indexed wrongly.
--
-- An index of an expression rather than a column of its own: PostgreSQL
-- keeps it for every writer (this version, a replica still running the
-- previous one during a rolling upgrade, the copy a rebuild loads, made
-- LIKE customers), the rows stay as wide as they were (a scan reads no
-- more pages), and adding it rewrites no row. A read recomputes the text
-- only for the index's candidates, and for the rows whose bytes hold the
-- search where it filters (COST 1: after position, see read.go's filter).
--
-- The text only narrows a search down: a read still matches search_text's
-- bytes exactly (position), and adds search_trgm_of(search_text) LIKE
-- '%search%' for a search without NUL, which every row whose bytes hold
-- the search passes.
--
-- pg_trgm is a trusted extension: the role that migrates needs CREATE on
-- the database, or the extension created beforehand by one that may. The
-- index is built under a SHARE lock: reads go on, writers wait until the
-- migration commits.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE OR REPLACE FUNCTION search_trgm_of(search bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1 AS $$
DECLARE
	i int;
BEGIN
	LOOP
		i := position('\x00'::bytea IN search);
		EXIT WHEN i = 0;
		search := overlay(search PLACING '\x1f'::bytea FROM i FOR 1);
	END LOOP;
	RETURN convert_from(search, 'UTF8');
END
$$;

CREATE INDEX IF NOT EXISTS customers_search_trgm ON customers USING gin (search_trgm_of(search_text) gin_trgm_ops);

-- The planner chooses between this index and the sort order's by the
-- statistics of the index's expression.
ANALYZE customers;
