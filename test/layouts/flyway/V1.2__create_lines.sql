CREATE TABLE lines (id bigint PRIMARY KEY);
