-- 009_tree_heads.sql — the Merkle trees over the audit log (issue 14, decision 0014):
-- every events row and every chained rejections row gets its leaf hash (RFC 6962:
-- SHA-256(0x00 || entry)), hcbus-auditd stores signed tree heads (C2SP checkpoints) in
-- hcbus.tree_heads, and reviewers read the exact entry columns (review.log_entries,
-- review.rejection_entries) and the heads (review.tree_heads), so that they can
-- recompute every leaf and root without reading a payload.
--
-- The entry ("hcbus-leaf 1") is defined in one place, libhcbus tlog (entry.c), and
-- documented in docs/audit.md; the functions hcbus.event_entry and
-- hcbus.rejection_entry below write the same bytes in SQL (to back-fill the rows that
-- exist when this file is applied; test_audit_checkpoints checks that both agree):
--   F(x) = 4-byte big-endian length then the bytes; F(NULL) = ff ff ff ff;
--   integers 8 bytes big-endian; times microseconds since 1970 UTC, 8 bytes big-endian;
--   text its UTF-8 bytes; summary the jsonb as PostgreSQL prints it (summary::text).
--   event:     F('hcbus.events leaf 1') F(seq) F(sender) F(msg_id) F(kind) F(topic)
--              F(zone_id) F(subject) F(sent_at) F(received_at) F(committed_at)
--              F(summary) F(SHA-256(payload))
--   rejection: F('hcbus.rejections leaf 1') F(id) F(at) F(last_at) F(repeats)
--              F(institution) F(key_hint) F(action) F(topic) F(msg_id) F(code)
--              F(field) F(reason)
-- Leaf index: seq - 1 for events; id - chain_formats.first_pos ('rejections') for
-- rejections (rows from before 004 are not chained and not in the tree).
--
-- Apply it with hcbus-auditd stopped, like 004 (run.sh and migrate.sh do): the back-fill
-- rewrites the leaf_hash of the rows present, with the append-only triggers disabled
-- inside this file's transaction only.

-- ---------------------------------------------------------------------------
-- The entry encoding, in SQL
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION hcbus.entry_bytes(b bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN b IS NULL THEN '\xffffffff'::bytea ELSE int4send(length(b)) || b END;
COMMENT ON FUNCTION hcbus.entry_bytes(bytea) IS
  'F(x) of a leaf entry: the length as 4 bytes big-endian then the bytes; NULL is ff ff ff ff.';

CREATE OR REPLACE FUNCTION hcbus.entry_text(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN hcbus.entry_bytes(convert_to(t, 'UTF8'));
COMMENT ON FUNCTION hcbus.entry_text(text) IS 'F(text): its UTF-8 bytes, length-prefixed.';

CREATE OR REPLACE FUNCTION hcbus.entry_int(i bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN hcbus.entry_bytes(int8send(i));
COMMENT ON FUNCTION hcbus.entry_int(bigint) IS 'F(integer): 8 bytes big-endian, length-prefixed.';

-- extract(epoch ...) is numeric in PostgreSQL 14+: exact to the microsecond.
CREATE OR REPLACE FUNCTION hcbus.entry_time(t timestamptz) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN hcbus.entry_bytes(int8send((extract(epoch FROM t) * 1000000)::int8));
COMMENT ON FUNCTION hcbus.entry_time(timestamptz) IS
  'F(time): microseconds since 1970-01-01 UTC as 8 bytes big-endian, length-prefixed.';

CREATE OR REPLACE FUNCTION hcbus.event_entry(
  seq bigint, sender text, msg_id text, kind text, topic text, zone_id text, subject text,
  sent_at timestamptz, received_at timestamptz, committed_at timestamptz, summary text,
  payload_sha256 bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN hcbus.entry_text('hcbus.events leaf 1')
    || hcbus.entry_int(seq) || hcbus.entry_text(sender) || hcbus.entry_text(msg_id)
    || hcbus.entry_text(kind) || hcbus.entry_text(topic) || hcbus.entry_text(zone_id)
    || hcbus.entry_text(subject) || hcbus.entry_time(sent_at) || hcbus.entry_time(received_at)
    || hcbus.entry_time(committed_at) || hcbus.entry_text(summary) || hcbus.entry_bytes(payload_sha256);
COMMENT ON FUNCTION hcbus.event_entry(bigint, text, text, text, text, text, text, timestamptz,
                                      timestamptz, timestamptz, text, bytea) IS
  'The leaf entry of an events row (format hcbus-leaf 1; summary as summary::text, the '
  'payload as sha256(payload)). Same bytes as libhcbus tlog entry.c.';

CREATE OR REPLACE FUNCTION hcbus.rejection_entry(
  id bigint, at timestamptz, last_at timestamptz, repeats bigint, institution text,
  key_hint text, action text, topic text, msg_id text, code text, field text, reason text)
  RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN hcbus.entry_text('hcbus.rejections leaf 1')
    || hcbus.entry_int(id) || hcbus.entry_time(at) || hcbus.entry_time(last_at)
    || hcbus.entry_int(repeats) || hcbus.entry_text(institution) || hcbus.entry_text(key_hint)
    || hcbus.entry_text(action) || hcbus.entry_text(topic) || hcbus.entry_text(msg_id)
    || hcbus.entry_text(code) || hcbus.entry_text(field) || hcbus.entry_text(reason);
COMMENT ON FUNCTION hcbus.rejection_entry(bigint, timestamptz, timestamptz, bigint, text, text,
                                          text, text, text, text, text, text) IS
  'The leaf entry of a rejections row (format hcbus-leaf 1). Same bytes as libhcbus tlog entry.c.';

CREATE OR REPLACE FUNCTION hcbus.leaf_hash(entry bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN sha256('\x00'::bytea || entry);
COMMENT ON FUNCTION hcbus.leaf_hash(bytea) IS 'RFC 6962 leaf hash: SHA-256(0x00 || entry).';

-- ---------------------------------------------------------------------------
-- Leaf hashes, back-filled once (when the column is added)
-- ---------------------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'hcbus.events'::regclass
                 AND attname = 'leaf_hash' AND NOT attisdropped) THEN
    LOCK TABLE hcbus.events, hcbus.rejections IN ACCESS EXCLUSIVE MODE;
    ALTER TABLE hcbus.events ADD COLUMN leaf_hash bytea;
    ALTER TABLE hcbus.events DISABLE TRIGGER events_append_only;
    UPDATE hcbus.events e
    SET leaf_hash = hcbus.leaf_hash(hcbus.event_entry(e.seq, e.sender, e.msg_id, e.kind, e.topic,
          e.zone_id, e.subject, e.sent_at, e.received_at, e.committed_at, e.summary::text,
          sha256(e.payload)));
    ALTER TABLE hcbus.events ENABLE TRIGGER events_append_only;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'hcbus.rejections'::regclass
                 AND attname = 'leaf_hash' AND NOT attisdropped) THEN
    ALTER TABLE hcbus.rejections ADD COLUMN leaf_hash bytea;
    ALTER TABLE hcbus.rejections DISABLE TRIGGER rejections_append_only;
    UPDATE hcbus.rejections r
    SET leaf_hash = hcbus.leaf_hash(hcbus.rejection_entry(r.id, r.at, r.last_at, r.repeats,
          r.institution, r.key_hint, r.action, r.topic, r.msg_id, r.code, r.field, r.reason))
    WHERE r.id >= (SELECT first_pos FROM hcbus.chain_formats
                   WHERE table_name = 'rejections' AND format = 1);
    ALTER TABLE hcbus.rejections ENABLE TRIGGER rejections_append_only;
  END IF;
END
$$;
COMMENT ON COLUMN hcbus.events.leaf_hash IS
  'Merkle leaf hash of the row, SHA-256(0x00 || hcbus.event_entry(...)), written by hcbus-auditd '
  'in the transaction of the row (back-filled by migration 009 for older rows). Leaf index seq - 1.';
COMMENT ON COLUMN hcbus.rejections.leaf_hash IS
  'Merkle leaf hash of the row, SHA-256(0x00 || hcbus.rejection_entry(...)), written by '
  'hcbus-auditd (back-filled by 009); NULL for rows from before 004, which are not in the tree.';

-- ---------------------------------------------------------------------------
-- Signed tree heads
-- ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS hcbus.tree_heads (
  log        text NOT NULL CHECK (log IN ('events', 'rejections')),
  tree_size  bigint NOT NULL CHECK (tree_size > 0),
  root_hash  bytea NOT NULL CHECK (length(root_hash) = 32),
  note       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (log, tree_size)
);
COMMENT ON TABLE hcbus.tree_heads IS
  'Tree heads of the Merkle trees over hcbus.events and hcbus.rejections, written by '
  'hcbus-auditd every checkpoint_every_events rows, every checkpoint_every_s seconds when the '
  'tree grew, and at a clean stop; each signed as a C2SP checkpoint when auditd has '
  'log_key_file. Append-only.';
COMMENT ON COLUMN hcbus.tree_heads.log IS 'Which tree: events (leaves in seq order) or rejections (in id order).';
COMMENT ON COLUMN hcbus.tree_heads.tree_size IS 'How many leaves the head covers: seq 1..tree_size for events.';
COMMENT ON COLUMN hcbus.tree_heads.root_hash IS 'The RFC 6962 root (MTH) of the first tree_size leaves, 32 bytes.';
COMMENT ON COLUMN hcbus.tree_heads.note IS
  'The signed note: "<origin>\n<tree_size>\n<base64 root>\n\n— <key name> <base64 signature>\n" '
  '(c2sp.org/tlog-checkpoint); NULL when hcbus-auditd had no log_key_file.';
COMMENT ON COLUMN hcbus.tree_heads.created_at IS 'When the head was stored.';

CREATE OR REPLACE TRIGGER tree_heads_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON hcbus.tree_heads
  FOR EACH STATEMENT EXECUTE FUNCTION hcbus.refuse_rewrite();

COMMENT ON TABLE hcbus.checkpoints IS
  'Unused (from 001): the signed tree heads are in hcbus.tree_heads (009). Append-only.';

-- ---------------------------------------------------------------------------
-- Rights
-- ---------------------------------------------------------------------------
REVOKE ALL ON hcbus.tree_heads FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON hcbus.tree_heads FROM hcbus_writer;
GRANT SELECT, INSERT ON hcbus.tree_heads TO hcbus_writer;
-- The entry functions are the owner's (the back-fill, checks by hand): not the writer's,
-- which hashes in C, nor the reviewer's, who has review.log_entries and hcbus audit verify.
REVOKE ALL ON FUNCTION hcbus.entry_bytes(bytea), hcbus.entry_text(text), hcbus.entry_int(bigint),
  hcbus.entry_time(timestamptz),
  hcbus.event_entry(bigint, text, text, text, text, text, text, timestamptz, timestamptz, timestamptz, text, bytea),
  hcbus.rejection_entry(bigint, timestamptz, timestamptz, bigint, text, text, text, text, text, text, text, text),
  hcbus.leaf_hash(bytea) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The reviewers' views: the entry columns, exactly, and the heads
-- ---------------------------------------------------------------------------
CREATE OR REPLACE VIEW review.log_entries AS
SELECT seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at, committed_at,
       summary::text AS summary, sha256(payload) AS payload_sha256, leaf_hash, prev_hash, hash
FROM hcbus.events;
COMMENT ON VIEW review.log_entries IS
  'Every events row as its Merkle leaf entry sees it, in entry order (docs/audit.md): recompute '
  'the entry and leaf hash from these columns (order by seq; leaf index seq - 1). No payload: its '
  'SHA-256, computed by the view.';
COMMENT ON COLUMN review.log_entries.summary IS 'The summary jsonb as PostgreSQL prints it (summary::text): the bytes the entry covers.';
COMMENT ON COLUMN review.log_entries.payload_sha256 IS 'SHA-256 of the stored payload, computed by the view (32 bytes).';
COMMENT ON COLUMN review.log_entries.leaf_hash IS 'The stored leaf hash (NULL only for a row written around hcbus-auditd).';
COMMENT ON COLUMN review.log_entries.prev_hash IS 'Chain hash of the previous row (32 bytes).';
COMMENT ON COLUMN review.log_entries.hash IS 'Chain hash of the row (32 bytes, covers the payload itself).';

CREATE OR REPLACE VIEW review.rejection_entries AS
SELECT r.id - f.first_pos AS leaf_index, r.id, r.at, r.last_at, r.repeats, r.institution,
       r.key_hint, r.action, r.topic, r.msg_id, r.code, r.field, r.reason, r.leaf_hash,
       r.prev_hash, r.hash
FROM hcbus.rejections r
JOIN hcbus.chain_formats f ON f.table_name = 'rejections' AND f.format = 1
WHERE r.id >= f.first_pos;
COMMENT ON VIEW review.rejection_entries IS
  'Every rejections row of the Merkle tree (the chained ones) in entry order after leaf_index '
  '(docs/audit.md): recompute the entry and leaf hash from these columns, ordered by id.';
COMMENT ON COLUMN review.rejection_entries.leaf_index IS 'Position in the tree: id - the first chained id.';
COMMENT ON COLUMN review.rejection_entries.leaf_hash IS 'The stored leaf hash.';
COMMENT ON COLUMN review.rejection_entries.prev_hash IS 'Chain hash of the previous row (32 bytes).';
COMMENT ON COLUMN review.rejection_entries.hash IS 'Chain hash of the row (32 bytes).';

CREATE OR REPLACE VIEW review.tree_heads AS
SELECT log, tree_size, root_hash, note, created_at FROM hcbus.tree_heads;
COMMENT ON VIEW review.tree_heads IS
  'The stored tree heads: export a note to keep it (hcbus audit checkpoint), verify it with '
  'keys/auditd-log.pub; note NULL = unsigned (auditd ran without log_key_file).';

GRANT USAGE ON SCHEMA review TO hcbus_reviewer;
GRANT SELECT ON review.log_entries, review.rejection_entries, review.tree_heads TO hcbus_reviewer;
