-- +goose Up
-- 00202: monthly counts of cases by kind, category and area (issue 11,
-- point 4), kept when the retention sweep deletes old closed cases. Each
-- case counts once, in the month (Vietnam time) it was received: counted
-- when the case is made (store.DB.CreateCases); the cases that exist now
-- are counted here.
CREATE TABLE case_stats_monthly (
    month    TEXT    NOT NULL,   -- YYYY-MM, Vietnam time
    kind     TEXT    NOT NULL,
    category TEXT    NOT NULL,
    area     TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (month, kind, category, area)
) WITHOUT ROWID;
INSERT INTO case_stats_monthly (month, kind, category, area, n)
    SELECT strftime('%Y-%m', received_at + 25200, 'unixepoch'), kind, category, area, COUNT(*)
    FROM cases GROUP BY 1, 2, 3, 4;
