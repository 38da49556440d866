-- 014_report_timeouts.sql — no statement of hcbus-report waits forever. A stalled
-- server (a lock held by someone else, a lost network) would otherwise block a receipt
-- look-up while it holds one of hcbus-report's two hashing slots, so every reporter behind
-- it would wait, and a stop would wait on it while reports still sit in the release queue
-- (docs/report.md, "Limits, refusals and errors"). hcbus-report answers such a failure with
-- its "not available now" page, and its releaser retries the write of a released report
-- every second until PostgreSQL takes it. The bounds are generous: the largest write is
-- one report's photos (5 × 8 MiB at most), which takes well under a second.
--
-- Plain SQL, safe to run again (ALTER ROLE ... SET replaces the role's value).

ALTER ROLE hcbus_report SET statement_timeout = '30s';
ALTER ROLE hcbus_report SET lock_timeout = '10s';
ALTER ROLE hcbus_report SET idle_in_transaction_session_timeout = '60s';
