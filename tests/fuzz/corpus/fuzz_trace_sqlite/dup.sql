INSERT INTO task SELECT * FROM task;
UPDATE flow SET start_ns=end_ns+5, bucket=-7;
