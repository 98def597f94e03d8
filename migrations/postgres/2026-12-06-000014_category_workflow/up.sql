-- How a category's reports are worked: 'standard' (accept, handle, resolve, confirm) or
-- 'mediation' (a dispute mediated with its parties, sessions, conclusion and follow-up).
ALTER TABLE categories ADD COLUMN workflow TEXT NOT NULL DEFAULT 'standard'
    CHECK (workflow IN ('standard', 'mediation'));
