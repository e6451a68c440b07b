-- async
UPDATE ps_update SET staleness=4000000000 WHERE rowid=1;
UPDATE entity SET host=0 WHERE id=1;
