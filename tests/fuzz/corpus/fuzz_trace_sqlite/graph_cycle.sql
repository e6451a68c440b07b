UPDATE comm_task SET start_ns = end_ns + 1000 WHERE rowid % 3 = 0;
INSERT INTO task_dep SELECT dep, task FROM task_dep WHERE rowid < 20;
