-- +goose Up
-- 00202 (PostgreSQL): monthly counts of cases; see the SQLite migration.
CREATE TABLE case_stats_monthly (
    month    TEXT   NOT NULL,
    kind     TEXT   NOT NULL,
    category TEXT   NOT NULL,
    area     TEXT   NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (month, kind, category, area)
);
INSERT INTO case_stats_monthly (month, kind, category, area, n)
    SELECT to_char(to_timestamp(received_at + 25200) AT TIME ZONE 'UTC', 'YYYY-MM'), kind, category, area, COUNT(*)
    FROM cases GROUP BY 1, 2, 3, 4;
