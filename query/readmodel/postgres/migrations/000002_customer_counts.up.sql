-- Counters of customers, overall ('all') and per parent organization
-- ('parent:<id>'), which ApplyEvents moves in the transaction that
-- inserts a customer's row, so that total_count is read, not counted
-- (query/readmodel/counts.go). Each counter is split into slots: a batch
-- adds to one slot, chosen by its first customer, so that the projectors
-- of several replicas seldom wait for one another on one hot row; a count
-- is the sum of its slots.
--
-- The counters are filled here, once, from the rows, while the rows are
-- locked against writers. A replica still running the previous version
-- during a rolling upgrade does not move them: the customers it creates
-- meanwhile are not counted until a rebuild (`projections rebuild`)
-- recounts.
BEGIN;
LOCK TABLE customers IN SHARE MODE;
CREATE TABLE IF NOT EXISTS customer_counts (
	scope     text COLLATE "C" NOT NULL,
	slot      smallint NOT NULL,
	customers bigint NOT NULL,
	PRIMARY KEY (scope, slot)
);
INSERT INTO customer_counts (scope, slot, customers)
	SELECT 'parent:' || parent_org_id, 0, count(*) FROM customers GROUP BY parent_org_id
	UNION ALL
	SELECT 'all', 0, count(*) FROM customers HAVING count(*) > 0
ON CONFLICT DO NOTHING;
COMMIT;
