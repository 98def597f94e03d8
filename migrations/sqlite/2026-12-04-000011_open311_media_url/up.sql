-- The `media_url` an Open311 client sent with its POST: echoed back on the request, never
-- fetched. At most one per report, only for reports filed through the façade.
CREATE TABLE open311_media_urls (
    report_id   TEXT PRIMARY KEY NOT NULL REFERENCES reports (id),
    url         TEXT NOT NULL
);
