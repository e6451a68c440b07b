-- pipeline
UPDATE comm_task SET peer = worker WHERE kind = 1;
UPDATE task SET micro_batch = 4000000000 WHERE rowid % 5 = 0;
