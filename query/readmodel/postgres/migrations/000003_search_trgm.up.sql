-- An index for the search (issue 13): pg_trgm's GIN index answers
-- "contains this substring" (LIKE '%…%') from the trigrams of the text,
-- instead of a scan of every customer in scope.
--
-- It cannot index search_text itself, which is bytea (see 000001): the
-- column search_trgm is the search text as text, which PostgreSQL
-- generates from search_text by search_trgm_of, so that every writer
-- fills it: this version, a replica still running the previous one during
-- a rolling upgrade, and the copy a rebuild loads (made LIKE customers).
-- search_trgm_of renders the bytes as text: each NUL, which text cannot
-- hold, becomes U+001F (the unit separator), the rest is read as UTF-8.
-- The search text is valid UTF-8 apart from its NULs, as
-- readmodel.SearchKeys writes it (strings.ToLower writes each invalid
-- byte as U+FFFD); bytes that were not would fail to write rather than be
-- indexed wrongly.
--
-- A column rather than an index on the expression, which would leave the
-- rows as they were and add no column: a read that filters rows (a search
-- that matches many, in the sort order) would render each row's text
-- again, and search_trgm_of, PL/pgSQL, costs 0.5 µs a call on an idle
-- machine, up to 9 µs on a loaded one: a count of a search that matches
-- every one of 200,000 customers took twice as long as before the index.
-- Stored, the text is rendered once per write, and LIKE reads it; the
-- rows grow by it (the table from 57 to 70 MB at 200,000 customers).
--
-- search_trgm only narrows a search down: a read still matches
-- search_text's bytes exactly (position), and adds search_trgm LIKE
-- '%search%' for a search without NUL, which every row whose bytes hold
-- the search passes. See filter in read.go.
--
-- pg_trgm is a trusted extension: the role that migrates needs CREATE on
-- the database, or the extension created beforehand by one that may.
--
-- Adding the column rewrites the table, computing it for each row, and
-- the migration holds the table locked (ACCESS EXCLUSIVE) until it
-- commits, index built: the reads of replicas still running the previous
-- version wait meanwhile. It took 9 s for 200,000 customers on a loaded
-- 2-core machine (4.5 s the column, 4.6 s the index).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE OR REPLACE FUNCTION search_trgm_of(search bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
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

ALTER TABLE customers ADD COLUMN IF NOT EXISTS search_trgm text
	GENERATED ALWAYS AS (search_trgm_of(search_text)) STORED;

CREATE INDEX IF NOT EXISTS customers_search_trgm ON customers USING gin (search_trgm gin_trgm_ops);

-- The planner chooses between this index and the sort order's from the
-- column's statistics.
ANALYZE customers;
