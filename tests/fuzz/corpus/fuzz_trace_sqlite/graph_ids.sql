UPDATE comm_task SET peer = 3, kind = 1 WHERE rowid = 2;
UPDATE task SET id = 9000000000000000000 WHERE rowid = 5;
UPDATE task_dep SET dep = 9000000000000000000 WHERE rowid = 1;
