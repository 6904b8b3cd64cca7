COMMENT ON TABLE posts IS 'blog posts';
