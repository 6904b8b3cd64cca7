-- migrate:up transaction:false
COMMENT ON TABLE events IS 'what happened';

-- migrate:down
-- nothing to undo: the comment goes with the table
