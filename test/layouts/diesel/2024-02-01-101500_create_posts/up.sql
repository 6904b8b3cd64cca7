CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL, updated_at timestamptz);
SELECT diesel_manage_updated_at('posts');
