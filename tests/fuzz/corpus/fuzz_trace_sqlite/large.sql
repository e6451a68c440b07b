UPDATE iteration SET iteration=200000000 WHERE rowid=1;
UPDATE task SET worker=2 WHERE rowid=3;
