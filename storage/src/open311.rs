//! What the Open311 façade keeps beside a report: the `media_url` its client sent with the
//! POST (`open311_media_urls`), echoed back when the request is read and never fetched.

use cunxiang_core::ReportId;
use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::open311_media_urls as urls;

/// Keeps the client's `media_url` for a report just filed.
pub fn save_media_url(conn: &mut DbConn, report_id: ReportId, url: &str) -> Result<()> {
    diesel::insert_into(urls::table)
        .values((urls::report_id.eq(report_id.to_string()), urls::url.eq(url)))
        .execute(conn)?;
    Ok(())
}

/// The client-sent `media_url` of each of these reports that has one.
pub fn media_urls(conn: &mut DbConn, report_ids: &[ReportId]) -> Result<HashMap<ReportId, String>> {
    let ids: Vec<String> = report_ids.iter().map(ReportId::to_string).collect();
    let rows: Vec<(String, String)> = urls::table
        .filter(urls::report_id.eq_any(&ids))
        .select((urls::report_id, urls::url))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, url)| Uuid::parse_str(&id).ok().map(|id| (ReportId(id), url)))
        .collect())
}
