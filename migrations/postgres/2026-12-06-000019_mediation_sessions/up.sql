-- Mediation sessions (调解会) of a case: scheduled (a place, or online with a meeting link),
-- then recorded once (attendees, what was said, the next step). The record is staff-only.
CREATE TABLE mediation_sessions (
    id            TEXT PRIMARY KEY NOT NULL,
    report_id     TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    starts_at     TIMESTAMP NOT NULL,
    place         TEXT,
    meeting_link  TEXT,
    scheduled_by  TEXT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    -- JSON array of the attendees' names, once recorded.
    attendees     TEXT,
    summary       TEXT,
    next_step     TEXT,
    recorded_by   TEXT REFERENCES users (id),
    recorded_at   TIMESTAMP,
    CHECK ((place IS NULL) <> (meeting_link IS NULL)),
    CHECK ((recorded_at IS NULL) = (summary IS NULL))
);
CREATE INDEX mediation_sessions_report_idx ON mediation_sessions (report_id);

-- A case's current conclusion (one row per case; a second agreement after a broken one
-- replaces it, the timeline keeps both). The follow-up (回访) of an agreement comes due at
-- follow_up_due_at; the deadline worker reminds the mediators once (reminded_at), the
-- mediator records kept or broken.
CREATE TABLE mediation_conclusions (
    report_id         TEXT PRIMARY KEY NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    outcome           TEXT NOT NULL CHECK (outcome IN ('agreement', 'no_agreement', 'withdrawn')),
    -- The agreement's terms, or the note of another outcome.
    terms             TEXT,
    referral          TEXT CHECK (referral IN ('litigation', 'arbitration', 'petition', 'administrative')),
    referred_to       TEXT,
    unit_id           TEXT REFERENCES units (id),
    -- The ladder level of the concluding unit: group, village, township or county.
    level             TEXT,
    concluded_by      TEXT NOT NULL REFERENCES users (id),
    concluded_at      TIMESTAMP NOT NULL,
    follow_up_due_at  TIMESTAMP,
    reminded_at       TIMESTAMP,
    kept              BOOLEAN,
    followed_up_by    TEXT REFERENCES users (id),
    followed_up_at    TIMESTAMP,
    CHECK ((outcome = 'no_agreement') = (referral IS NOT NULL)),
    CHECK ((outcome = 'agreement') = (follow_up_due_at IS NOT NULL))
);
CREATE INDEX mediation_conclusions_due_idx ON mediation_conclusions (follow_up_due_at);
