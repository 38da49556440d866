-- 011_deliveries.sql — "who knew what, when" (docs/audit.md, decision 0016): what the
-- broker served each subscriber, as spans of seqs rather than a row per delivered
-- message. hcbus-auditd writes the broker's DeliveryRecords (proto/hcbus.proto) in the
-- same transaction as the batch that carried them; `hcbus audit who-knew` reads them
-- through review.deliveries and applies the broker's own matching rules.

CREATE TABLE IF NOT EXISTS hcbus.deliveries (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  broker_instance text NOT NULL,
  record_no       bigint NOT NULL CHECK (record_no > 0),
  session_id      text,
  institution     text,
  action          text NOT NULL CHECK (action IN ('subscribe_start', 'subscribe_end', 'replay', 'snapshot',
                                                  'broker_start')),
  prefixes        text[] NOT NULL DEFAULT '{}',
  from_seq        bigint,
  to_seq          bigint,
  last_sent_seq   bigint,
  count           bigint NOT NULL DEFAULT 0,
  started_at      timestamptz,
  ended_at        timestamptz,
  ended           text CHECK (ended IN ('closed', 'timed_out', 'revoked', 'lagged', 'broker_stopped',
                                        'resubscribed', 'reconfigured')),
  redacted        boolean NOT NULL DEFAULT false,
  all_notices     boolean NOT NULL DEFAULT false,
  seqs            bigint[],
  records_lost    bigint NOT NULL DEFAULT 0,
  segment         bigint,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (broker_instance, record_no)
);
COMMENT ON TABLE hcbus.deliveries IS
  'What the broker served each subscriber (who knew what, when): live segments, replay and snapshot '
  'pages, broker starts. Spans of seqs, not a row per delivered message. Append-only.';
COMMENT ON COLUMN hcbus.deliveries.id IS 'Row number in arrival order.';
COMMENT ON COLUMN hcbus.deliveries.broker_instance IS 'The broker instance (changes at every broker start).';
COMMENT ON COLUMN hcbus.deliveries.record_no IS
  'The record''s number within its broker instance; with it, the key that makes a resent record count once.';
COMMENT ON COLUMN hcbus.deliveries.session_id IS
  'Random id of the subscriber''s session (one per connection and broker instance); NULL for none.';
COMMENT ON COLUMN hcbus.deliveries.institution IS 'Who was served (NULL for broker_start).';
COMMENT ON COLUMN hcbus.deliveries.action IS
  'subscribe_start / subscribe_end (a live segment), replay (one page), snapshot (one page), broker_start.';
COMMENT ON COLUMN hcbus.deliveries.prefixes IS 'Topic prefixes in force (live) or asked (replay, snapshot).';
COMMENT ON COLUMN hcbus.deliveries.from_seq IS
  'Live: the first seq the segment could carry (head + 1); replay: the first seq asked; broker_start: '
  'the first seq this instance delivered live.';
COMMENT ON COLUMN hcbus.deliveries.to_seq IS 'Replay: the highest seq examined; snapshot: its as_of_seq.';
COMMENT ON COLUMN hcbus.deliveries.last_sent_seq IS
  'subscribe_end: the last seq sent on the segment (NULL when it sent nothing).';
COMMENT ON COLUMN hcbus.deliveries.count IS 'Messages sent by the segment or in the page.';
COMMENT ON COLUMN hcbus.deliveries.started_at IS 'When the segment began, or the page was sent.';
COMMENT ON COLUMN hcbus.deliveries.ended_at IS 'When the segment ended (subscribe_end), or the page was sent.';
COMMENT ON COLUMN hcbus.deliveries.ended IS
  'subscribe_end: closed, timed_out, revoked, lagged, broker_stopped, resubscribed or reconfigured.';
COMMENT ON COLUMN hcbus.deliveries.redacted IS
  'The institution had no clinical access: messages with patient details reached it without them.';
COMMENT ON COLUMN hcbus.deliveries.all_notices IS
  'The institution sees every notice (facilitator or coordinator role), not only those addressed to it.';
COMMENT ON COLUMN hcbus.deliveries.seqs IS 'Snapshot: the seqs of the entries sent.';
COMMENT ON COLUMN hcbus.deliveries.records_lost IS
  'Delivery records the broker instance had dropped so far (its queue was full): answers over that '
  'instance are incomplete when non-zero.';
COMMENT ON COLUMN hcbus.deliveries.segment IS
  'Live records: the segment''s number within the broker instance, shared by its start and end records.';
COMMENT ON COLUMN hcbus.deliveries.recorded_at IS 'When hcbus-auditd wrote the row.';

-- who-knew: the live segments and replay pages around a seq, the snapshot pages
-- holding it, an institution's records in a period.
CREATE INDEX IF NOT EXISTS deliveries_from_seq_idx ON hcbus.deliveries (from_seq);
CREATE INDEX IF NOT EXISTS deliveries_segment_idx ON hcbus.deliveries (broker_instance, segment);
CREATE INDEX IF NOT EXISTS deliveries_seqs_idx ON hcbus.deliveries USING gin (seqs);
CREATE INDEX IF NOT EXISTS deliveries_institution_idx ON hcbus.deliveries (institution, started_at);
COMMENT ON INDEX hcbus.deliveries_from_seq_idx IS 'who-knew: segments and pages beginning at or before a seq.';
COMMENT ON INDEX hcbus.deliveries_segment_idx IS 'who-knew: the end record of a segment''s start.';
COMMENT ON INDEX hcbus.deliveries_seqs_idx IS 'who-knew: the snapshot pages that held a seq.';
COMMENT ON INDEX hcbus.deliveries_institution_idx IS 'Review of one institution''s records by period.';

CREATE OR REPLACE TRIGGER deliveries_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON hcbus.deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION hcbus.refuse_rewrite();

REVOKE UPDATE, DELETE, TRUNCATE ON hcbus.deliveries FROM hcbus_writer;
GRANT SELECT, INSERT ON hcbus.deliveries TO hcbus_writer;

-- ---------------------------------------------------------------------------
-- review.deliveries: the reviewer's view (no payloads are involved)
-- ---------------------------------------------------------------------------
CREATE OR REPLACE VIEW review.deliveries AS
SELECT id, broker_instance, record_no, session_id, institution, action, prefixes, from_seq, to_seq,
       last_sent_seq, count, started_at, ended_at, ended, redacted, all_notices, seqs, records_lost,
       segment, recorded_at
FROM hcbus.deliveries;
COMMENT ON VIEW review.deliveries IS
  'What the broker served each subscriber (hcbus.deliveries); hcbus audit who-knew reads it '
  '(docs/audit.md, "Who knew what, when").';

GRANT USAGE ON SCHEMA review TO hcbus_reviewer;
GRANT SELECT ON review.deliveries TO hcbus_reviewer;

-- The view's columns say what the table's say.
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN SELECT a.attname, col_description('hcbus.deliveries'::regclass, a.attnum) AS text
             FROM pg_attribute a
             WHERE a.attrelid = 'hcbus.deliveries'::regclass AND a.attnum > 0 AND NOT a.attisdropped LOOP
    IF col.text IS NOT NULL THEN
      EXECUTE format('COMMENT ON COLUMN review.deliveries.%I IS %L', col.attname, col.text);
    END IF;
  END LOOP;
END
$$;
