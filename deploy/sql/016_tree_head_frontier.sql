-- 016_tree_head_frontier.sql — each tree head stores the frontier of its tree (issue 16,
-- decision 0028): the roots of the perfect subtrees the first tree_size leaves split into
-- (RFC 9162 2.1.1's decomposition, the right edge of a C2SP "compact range" starting at
-- leaf 0), largest (leftmost) first, 32 bytes each, one per bit set in tree_size. Folded
-- right to left with the node hash they give root_hash, so hcbus-auditd starts from the
-- last head's frontier (checked against its root, and its signed note when it signs)
-- and reads only the leaves after it, instead of every leaf hash in the log.
-- NULL for heads stored before this file: hcbus-auditd then rebuilds from the leaves, as
-- before. Derived data: it adds nothing a reviewer needs (every root is recomputed from
-- the leaves by hcbus audit verify), so review.tree_heads does not show it.
ALTER TABLE hcbus.tree_heads ADD COLUMN IF NOT EXISTS frontier bytea;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tree_heads_frontier_shape'
                 AND conrelid = 'hcbus.tree_heads'::regclass) THEN
    ALTER TABLE hcbus.tree_heads ADD CONSTRAINT tree_heads_frontier_shape
      CHECK (frontier IS NULL OR length(frontier) = 32 * length(replace(tree_size::bit(64)::text, '0', '')));
  END IF;
END
$$;

COMMENT ON COLUMN hcbus.tree_heads.frontier IS
  'The roots of the perfect subtrees of the first tree_size leaves, largest first, 32 bytes each '
  '(one per bit set in tree_size; decision 0028): with them hcbus-auditd resumes the tree at start '
  'without reading the earlier leaves. Their fold gives root_hash. NULL for heads from before 016.';
