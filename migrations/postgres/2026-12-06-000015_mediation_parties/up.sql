-- The parties to a mediation case (申请人, 被申请人, others). Personal data: read only by the
-- case's mediators, their overseers and admins; never in public lists, Open311, webhooks or
-- logs. Deleted with the report.
CREATE TABLE mediation_parties (
    id          TEXT PRIMARY KEY NOT NULL,
    report_id   TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('applicant', 'respondent', 'other')),
    name        TEXT NOT NULL,
    -- Normalised mainland mobile number, when given.
    phone       TEXT,
    -- How the person relates to the others (邻居, 兄弟, 承包方 …).
    relation    TEXT,
    added_by    TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX mediation_parties_report_idx ON mediation_parties (report_id);
