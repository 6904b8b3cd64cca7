-- the first release
CREATE TABLE accounts (id int PRIMARY KEY);
