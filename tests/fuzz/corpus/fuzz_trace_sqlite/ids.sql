UPDATE iteration SET worker=4294967295 WHERE rowid=1;
UPDATE link_usage SET link=4294967295 WHERE rowid=1;
