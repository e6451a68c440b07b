UPDATE link SET id=-1 WHERE rowid=1
