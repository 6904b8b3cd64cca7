-- release 2 in one script: what V1, V1.1 and V2 build
CREATE TABLE accounts (id int PRIMARY KEY, name text);
CREATE TABLE notes (id int PRIMARY KEY, body text);
