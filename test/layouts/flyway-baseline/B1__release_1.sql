-- release 1 in one script
CREATE TABLE accounts (id int PRIMARY KEY);
