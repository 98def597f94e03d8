//! `GET /v1/reports.csv`: the reports `GET /v1/reports` would list (same filters, same scope),
//! as CSV for Excel — UTF-8 with a BOM, one header row, times in Beijing time to the second,
//! and enough columns to recompute every KPI of `GET /v1/stats/summary` (README "KPIs").
//! Streamed: pages are read by id in blocking calls and sent through a bounded channel, so
//! memory stays constant however many reports there are.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset, Utc};
use cunxiang_core::identity::mask_phone;
use cunxiang_core::{ReportId, UnitId, UserId, Workflow};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::{Report, ReportFilter};
use uuid::Uuid;

use super::filters::{ReportQuery, checked_filters, filter_of};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use cunxiang_core::visibility::{Sight, scope, sight_of};

/// Reports read per blocking call.
const PAGE: i64 = 500;
/// Pages of CSV waiting to be sent at most (the bound on memory).
const BUFFERED_PAGES: usize = 2;

/// The header row.
const COLUMNS: [&str; 22] = [
    "case_number",
    "category",
    "status",
    "region",
    "grid",
    "unit",
    "created_at",
    "accepted_at",
    "accept_by",
    "resolved_at",
    "resolve_by",
    "closed_at",
    "rating",
    "reopen_count",
    "escalation_count",
    "channel",
    "reporter_phone",
    "workflow",
    "outcome",
    "concluded_at",
    "conclusion_level",
    "agreement_kept",
];

/// Names of regions, grids and units met so far (a county has a few thousand at most).
#[derive(Default)]
struct Names {
    regions: HashMap<Uuid, String>,
    grids: HashMap<Uuid, String>,
    units: HashMap<UnitId, String>,
    workflows: HashMap<String, Workflow>,
}

impl Names {
    fn region(&mut self, conn: &mut DbConn, id: Uuid) -> Result<String, ApiError> {
        if let Some(n) = self.regions.get(&id) {
            return Ok(n.clone());
        }
        let name = cunxiang_storage::regions::find(conn, id)?
            .map(|r| r.name)
            .unwrap_or_default();
        self.regions.insert(id, name.clone());
        Ok(name)
    }

    fn grid(&mut self, conn: &mut DbConn, id: Option<Uuid>) -> Result<String, ApiError> {
        let Some(id) = id else {
            return Ok(String::new());
        };
        if let Some(n) = self.grids.get(&id) {
            return Ok(n.clone());
        }
        let name = cunxiang_storage::grids::find(conn, id)?
            .map(|g| g.name)
            .unwrap_or_default();
        self.grids.insert(id, name.clone());
        Ok(name)
    }

    fn workflow(&mut self, conn: &mut DbConn, code: &str) -> Result<Workflow, ApiError> {
        if let Some(w) = self.workflows.get(code) {
            return Ok(*w);
        }
        let workflow = cunxiang_storage::categories::find(conn, code)?
            .map(|c| c.workflow)
            .unwrap_or_default();
        self.workflows.insert(code.to_owned(), workflow);
        Ok(workflow)
    }

    fn unit(&mut self, conn: &mut DbConn, id: Option<UnitId>) -> Result<String, ApiError> {
        let Some(id) = id else {
            return Ok(String::new());
        };
        if let Some(n) = self.units.get(&id) {
            return Ok(n.clone());
        }
        let name = cunxiang_storage::units::find(conn, id)?
            .map(|u| u.name)
            .unwrap_or_default();
        self.units.insert(id, name.clone());
        Ok(name)
    }
}

/// A time as the CSV shows it: Beijing time, whole seconds, `YYYY-MM-DD HH:MM:SS`.
fn local(t: Option<DateTime<Utc>>) -> String {
    let beijing = FixedOffset::east_opt(8 * 3600);
    match (t, beijing) {
        (Some(t), Some(tz)) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => String::new(),
    }
}

/// Everything one page needs, moved into and back out of the blocking call.
struct Cursor {
    me: AuthUser,
    filter: ReportFilter,
    before: Option<String>,
    names: Names,
}

/// Reads the next page and writes it as CSV; `None` once the reports are exhausted.
fn next_page(conn: &mut DbConn, mut c: Cursor) -> Result<(Vec<u8>, Option<Cursor>), ApiError> {
    let page = cunxiang_storage::reports::list(
        conn,
        &scope(&c.me.actor),
        &c.filter,
        c.before.as_deref(),
        PAGE,
    )?;
    let reporters: Vec<UserId> = page.items.iter().map(|r| r.reporter_id).collect();
    let phones: HashMap<UserId, String> = cunxiang_storage::users::find_many(conn, &reporters)?
        .into_iter()
        .filter_map(|u| u.phone.map(|p| (u.id, p)))
        .collect();
    let ids: Vec<ReportId> = page.items.iter().map(|r| r.id).collect();
    let conclusions = cunxiang_storage::mediation::conclusions::of_reports(conn, &ids)?;
    let mut out = csv::Writer::from_writer(Vec::with_capacity(PAGE as usize * 200));
    for r in &page.items {
        let phone = phone_column(&c.me, r, phones.get(&r.reporter_id));
        let p = &r.progress;
        let concluded = conclusions.get(&r.id);
        let row = [
            r.case_number.clone(),
            r.category.clone(),
            r.status.as_str().to_owned(),
            c.names.region(conn, r.region_id)?,
            c.names.grid(conn, r.grid_id)?,
            c.names.unit(conn, r.unit_id)?,
            local(Some(r.created_at)),
            local(p.accepted_at),
            local(r.deadlines.accept_by),
            local(p.resolved_at),
            local(r.deadlines.resolve_by),
            local(p.closed_at),
            p.rating.map(|v| v.to_string()).unwrap_or_default(),
            p.reopen_count.to_string(),
            p.escalation_count.to_string(),
            r.channel.as_str().to_owned(),
            phone,
            c.names.workflow(conn, &r.category)?.as_str().to_owned(),
            concluded
                .map(|m| m.outcome.as_str().to_owned())
                .unwrap_or_default(),
            local(concluded.map(|m| m.concluded_at)),
            concluded
                .and_then(|m| m.level)
                .map(|l| l.as_str().to_owned())
                .unwrap_or_default(),
            concluded
                .and_then(|m| m.kept)
                .map(|k| k.to_string())
                .unwrap_or_default(),
        ];
        out.write_record(row.iter().map(|cell| inert(cell).into_owned()))
            .map_err(ApiError::internal)?;
    }
    let bytes = out.into_inner().map_err(ApiError::internal)?;
    let next = page.next_cursor.map(|before| Cursor {
        before: Some(before),
        ..c
    });
    Ok((bytes, next))
}

/// The reporter's phone as `me` may see it: whole for admins, masked for others who may
/// know the reporter, empty otherwise (anonymous reports, other villagers' reports).
fn phone_column(me: &AuthUser, report: &Report, phone: Option<&String>) -> String {
    let Some(phone) = phone else {
        return String::new();
    };
    match sight_of(&me.actor, report, true).unwrap_or(Sight::Public) {
        Sight::Admin => phone.clone(),
        s if s.sees_reporter(report.anonymous) => mask_phone(phone),
        _ => String::new(),
    }
}

/// `GET /v1/reports.csv`.
pub async fn reports_csv(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let checked = checked_filters(&q)?;
    // The first page is read before answering, so that a bad filter is still a JSON error.
    let (first, mut next) = state
        .db(move |conn| {
            let filter = filter_of(conn, &me, &q, checked)?;
            let cursor = Cursor {
                me,
                filter,
                before: None,
                names: Names::default(),
            };
            next_page(conn, cursor)
        })
        .await?;
    let mut head = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    head.write_record(COLUMNS).map_err(ApiError::internal)?;
    let mut head = head.into_inner().map_err(ApiError::internal)?;
    head.extend_from_slice(&first);

    let (tx, rx) =
        tokio::sync::mpsc::channel::<Result<web::Bytes, actix_web::Error>>(BUFFERED_PAGES);
    let producer = state.clone();
    actix_web::rt::spawn(async move {
        while let Some(cursor) = next.take() {
            let sent = match producer.db(move |conn| next_page(conn, cursor)).await {
                Ok((bytes, more)) => {
                    next = more;
                    tx.send(Ok(web::Bytes::from(bytes))).await
                }
                // The status line is gone: the client sees a cut-off body.
                Err(e) => tx.send(Err(e.into())).await,
            };
            if sent.is_err() {
                break; // the client went away
            }
        }
    });
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let body = futures_util::stream::once(async move { Ok(web::Bytes::from(head)) });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"reports.csv\"",
        ))
        .streaming(futures_util::StreamExt::chain(body, rest)))
}

/// A cell Excel will not run as a formula: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'` (names are free text; a grid named `=HYPERLINK(…)`
/// must stay text).
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn formulas_stay_text() {
        assert_eq!(
            inert("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("渡口村网格"), "渡口村网格");
        assert_eq!(inert(""), "");
    }
}
