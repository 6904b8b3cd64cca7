-- +goose NO TRANSACTION
-- +goose Up
COMMENT ON TABLE users IS 'people who sign in';

-- +goose Down
COMMENT ON TABLE users IS NULL;
