/* nothing to undo: the comment goes with the table
   /* (nested comments are comments too) */ */
-- and so does this line
