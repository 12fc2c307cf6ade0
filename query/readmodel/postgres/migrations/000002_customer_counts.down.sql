DROP TABLE IF EXISTS customer_counts;
