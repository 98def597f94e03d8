DROP TABLE stats_state;
DROP TABLE stats_days;
