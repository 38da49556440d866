-- verify-chain.sql — recompute both hash chains of an hcbus audit store from the rows
-- alone and list every row that does not verify, one per line:
--   table|position|problem        (nothing at all when both chains hold)
-- It trusts nothing in the database but the rows: its helper functions are temporary
-- (pg_temp), created here. The formats are those of docs/security.md, "The audit
-- trail"; this file is the reference an outsider can read next to that text.
--
--   psql -XAtq -v ON_ERROR_STOP=1 "$CONNINFO" -f deploy/verify-chain.sql
--
-- Run it as a role that can read schema hcbus (the owner, or hcbus_writer). A chain
-- shows edits, deletions and insertions made without recomputing every later hash;
-- to catch a rewrite that recomputed them, compare the last hash with a copy kept
-- elsewhere (hcbus.checkpoints, a reviewer's notes).

-- F(x): length as 4 bytes big-endian, then the bytes; NULL is ff ff ff ff.
CREATE FUNCTION pg_temp.hf(b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE WHEN b IS NULL THEN '\xffffffff'::bytea ELSE int4send(length(b)) || b END $$;
-- Text: its UTF-8 bytes.
CREATE FUNCTION pg_temp.ht(x text) RETURNS bytea LANGUAGE sql IMMUTABLE
AS $$ SELECT pg_temp.hf(convert_to(x, 'UTF8')) $$;
-- Integers: 8 bytes big-endian.
CREATE FUNCTION pg_temp.hi(x bigint) RETURNS bytea LANGUAGE sql IMMUTABLE
AS $$ SELECT pg_temp.hf(int8send(x)) $$;
-- Times: microseconds since 1970-01-01 00:00 UTC, 8 bytes big-endian.
CREATE FUNCTION pg_temp.hts(x timestamptz) RETURNS bytea LANGUAGE sql IMMUTABLE
AS $$ SELECT pg_temp.hf(int8send((extract(epoch FROM x) * 1000000)::int8)) $$;

WITH formats AS (
  SELECT coalesce((SELECT first_pos FROM hcbus.chain_formats WHERE table_name = 'events' AND format = 2), 1)
           AS events_v2,
         coalesce((SELECT first_pos FROM hcbus.chain_formats WHERE table_name = 'rejections' AND format = 1), 1)
           AS rejections_v1
),
events AS (
  SELECT e.seq AS pos, e.hash, e.prev_hash,
         lag(e.seq) OVER w AS before_pos, lag(e.hash) OVER w AS before_hash,
         CASE WHEN e.seq >= f.events_v2 THEN
           sha256(e.prev_hash || pg_temp.ht('hcbus.events 2')
                  || pg_temp.hi(e.seq) || pg_temp.ht(e.sender) || pg_temp.ht(e.msg_id)
                  || pg_temp.ht(e.kind) || pg_temp.ht(e.topic) || pg_temp.ht(e.zone_id)
                  || pg_temp.ht(e.subject) || pg_temp.hts(e.sent_at) || pg_temp.hts(e.received_at)
                  || pg_temp.hts(e.committed_at) || pg_temp.hf(e.payload) || pg_temp.ht(e.summary::text))
         ELSE sha256(e.prev_hash || int8send(e.seq) || e.payload) END AS computed
  FROM hcbus.events e CROSS JOIN formats f
  WINDOW w AS (ORDER BY e.seq, e.received_at)
),
rejections AS (
  SELECT r.id AS pos, r.hash, r.prev_hash, f.rejections_v1 AS first_pos,
         lag(r.id) OVER w AS before_pos, lag(r.hash) OVER w AS before_hash,
         sha256(r.prev_hash || pg_temp.ht('hcbus.rejections 1')
                || pg_temp.hi(r.id) || pg_temp.hts(r.at) || pg_temp.hts(r.last_at) || pg_temp.hi(r.repeats)
                || pg_temp.ht(r.institution) || pg_temp.ht(r.key_hint) || pg_temp.ht(r.action)
                || pg_temp.ht(r.topic) || pg_temp.ht(r.msg_id) || pg_temp.ht(r.code)
                || pg_temp.ht(r.field) || pg_temp.ht(r.reason)) AS computed
  FROM hcbus.rejections r CROSS JOIN formats f
  WHERE r.id >= f.rejections_v1
  WINDOW w AS (ORDER BY r.id)
),
problems AS (
  SELECT 'events' AS tbl, pos, problem
  FROM events, LATERAL (VALUES
    (CASE WHEN pos IS DISTINCT FROM coalesce(before_pos, 0) + 1
          THEN format('seq follows %s: rows missing or added', coalesce(before_pos, 0)) END),
    (CASE WHEN hash IS NULL OR computed IS DISTINCT FROM hash
          THEN 'hash does not match the row: a column was changed' END),
    (CASE WHEN prev_hash IS DISTINCT FROM coalesce(before_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
          THEN 'prev_hash is not the hash of the row before' END)) AS p(problem)
  UNION ALL
  SELECT 'rejections', pos, problem
  FROM rejections, LATERAL (VALUES
    (CASE WHEN pos IS DISTINCT FROM coalesce(before_pos, first_pos - 1) + 1
          THEN format('id follows %s: rows missing or added', coalesce(before_pos, first_pos - 1)) END),
    (CASE WHEN hash IS NULL OR computed IS DISTINCT FROM hash
          THEN 'hash does not match the row: a column was changed' END),
    (CASE WHEN prev_hash IS DISTINCT FROM coalesce(before_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
          THEN 'prev_hash is not the hash of the row before' END)) AS p(problem)
)
SELECT tbl, pos, problem FROM problems WHERE problem IS NOT NULL ORDER BY tbl, pos, problem;
