DELETE FROM entity WHERE id=2;
UPDATE run SET status=NULL;
