-- 017_committed_at_comment.sql — the comment on hcbus.events.committed_at says what the
-- column has held since decision 0025: hcbus-auditd's clock when it builds the batch, not
-- the transaction's now() (004's comment). Nothing else changes; the value is hashed as
-- before (docs/security.md).
COMMENT ON COLUMN hcbus.events.committed_at IS
  'hcbus-auditd''s clock (UTC, µs) when it built the batch that recorded the row, just before '
  'its COMMIT; hashed. Rows of one batch share it. Not the transaction''s now().';
