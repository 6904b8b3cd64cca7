-- expect: safe
-- rules: none
-- reason: LIST partition with a CHECK (region IN ('eu')) and NOT NULL: implied, no scan
-- setup:
CREATE TABLE sales (id bigint, region text NOT NULL) PARTITION BY LIST (region);
CREATE TABLE sales_us PARTITION OF sales FOR VALUES IN ('us');
CREATE TABLE sales_eu (id bigint, region text NOT NULL, CONSTRAINT eu_only CHECK (region = 'eu'));
-- migration:
ALTER TABLE sales ATTACH PARTITION sales_eu FOR VALUES IN ('eu');
