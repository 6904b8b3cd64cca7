-- needs V1.2: 1.10 comes after 1.2
ALTER TABLE lines ADD COLUMN qty integer;
