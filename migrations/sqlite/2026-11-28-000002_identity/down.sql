DROP TABLE audit_log;
DROP TABLE api_clients;
DROP TABLE refresh_tokens;
DROP TABLE otp_codes;
DROP TABLE user_units;
DROP TABLE users;
