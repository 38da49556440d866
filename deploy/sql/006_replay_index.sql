-- 006_replay_index.sql — the index replay and latest read by topic range (issue 12,
-- items 4 and 6; docs/decisions/0004-reads-beside-the-writer.md).
--
-- hcbus-auditd matches a prefix by whole topic components with byte ranges:
--   "alert.sv.ss."  ->  topic >= 'alert.sv.ss.' AND topic < 'alert.sv.ss/'
--   "alert.sv.ss"   ->  topic = 'alert.sv.ss' OR the range of "alert.sv.ss."
-- ('/' is the byte after '.'). Such ranges mean the byte order only in collation "C";
-- in a database created with another locale, 'alert.sv.ss-x' may sort anywhere. So the
-- index is built, and the queries compare, with COLLATE "C" whatever the database's
-- default, and the 001 index on (topic, seq) in the default collation is replaced.

CREATE INDEX IF NOT EXISTS events_topic_c_seq_idx ON hcbus.events (topic COLLATE "C", seq);
COMMENT ON INDEX hcbus.events_topic_c_seq_idx IS
  'Replay by whole-component topic prefix (byte ranges, collation C) and latest value per topic.';

DROP INDEX IF EXISTS hcbus.events_topic_seq_idx;
