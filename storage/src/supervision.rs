//! Supervision orders (督办): a supervisor's written order on a report that its handler must
//! answer by a deadline. Opened by `supervise`, answered by `supervise_reply`, closed with the
//! report; one left unanswered past its deadline is escalated once by the deadline worker.

use chrono::{DateTime, Utc};
use cunxiang_core::{ReportId, UnitId, UserId};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::Result;
use crate::page::Page;
use crate::regions::{parse_id, parse_opt_id};
use crate::schema::supervision_orders as so;
use crate::time;

pub use cunxiang_core::supervision::OrderStatus;

const TABLE: &str = "supervision_orders";

/// One supervision order.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Stable id (UUIDv7).
    pub id: Uuid,
    /// The report.
    pub report_id: ReportId,
    /// The supervisor who issued it.
    pub issued_by: UserId,
    /// The unit it is addressed to (the report's unit when issued).
    pub unit_id: Option<UnitId>,
    /// The report's region path (list scoping).
    pub region_path: String,
    /// What the supervisor wrote.
    pub note: String,
    /// The reply is due then.
    pub reply_by: DateTime<Utc>,
    /// Where it stands.
    pub status: OrderStatus,
    /// When it went up the ladder unanswered.
    pub escalated_at: Option<DateTime<Utc>>,
    /// The handler's reply.
    pub reply_note: Option<String>,
    /// Who replied.
    pub replied_by: Option<UserId>,
    /// When the reply came.
    pub answered_at: Option<DateTime<Utc>>,
    /// Issued at.
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = so)]
struct OrderRow {
    id: String,
    report_id: String,
    issued_by: String,
    unit_id: Option<String>,
    region_path: String,
    note: String,
    reply_by: chrono::NaiveDateTime,
    status: OrderStatus,
    escalated_at: Option<chrono::NaiveDateTime>,
    reply_note: Option<String>,
    replied_by: Option<String>,
    answered_at: Option<chrono::NaiveDateTime>,
    created_at: chrono::NaiveDateTime,
}

impl OrderRow {
    fn into_order(self) -> Result<Order> {
        Ok(Order {
            id: parse_id(TABLE, &self.id)?,
            report_id: ReportId(parse_id(TABLE, &self.report_id)?),
            issued_by: parse_id(TABLE, &self.issued_by)?,
            unit_id: parse_opt_id(TABLE, self.unit_id.as_deref())?,
            region_path: self.region_path,
            note: self.note,
            reply_by: time::from_db(self.reply_by),
            status: self.status,
            escalated_at: self.escalated_at.map(time::from_db),
            reply_note: self.reply_note,
            replied_by: parse_opt_id(TABLE, self.replied_by.as_deref())?,
            answered_at: self.answered_at.map(time::from_db),
            created_at: time::from_db(self.created_at),
        })
    }
}

fn load(
    query: so::BoxedQuery<'_, crate::conn::MultiBackend>,
    conn: &mut DbConn,
) -> Result<Vec<Order>> {
    query
        .select(OrderRow::as_select())
        .load(conn)?
        .into_iter()
        .map(OrderRow::into_order)
        .collect()
}

/// Stores a new order.
pub fn insert(conn: &mut DbConn, o: &Order) -> Result<()> {
    let row = OrderRow {
        id: o.id.to_string(),
        report_id: o.report_id.to_string(),
        issued_by: o.issued_by.to_string(),
        unit_id: o.unit_id.map(|u| u.to_string()),
        region_path: o.region_path.clone(),
        note: o.note.clone(),
        reply_by: time::to_db(o.reply_by),
        status: o.status,
        escalated_at: o.escalated_at.map(time::to_db),
        reply_note: o.reply_note.clone(),
        replied_by: o.replied_by.map(|u| u.to_string()),
        answered_at: o.answered_at.map(time::to_db),
        created_at: time::to_db(o.created_at),
    };
    diesel::insert_into(so::table).values(&row).execute(conn)?;
    Ok(())
}

/// The order with this id.
pub fn find(conn: &mut DbConn, id: Uuid) -> Result<Option<Order>> {
    Ok(load(so::table.find(id.to_string()).into_boxed(), conn)?.pop())
}

/// A report's open orders, oldest first.
pub fn open_of_report(conn: &mut DbConn, report_id: ReportId) -> Result<Vec<Order>> {
    load(
        so::table
            .filter(so::report_id.eq(report_id.to_string()))
            .filter(so::status.eq(OrderStatus::Open))
            .order(so::id)
            .into_boxed(),
        conn,
    )
}

/// Records the handler's reply to an open order; `false` when it was no longer open.
pub fn answer(
    conn: &mut DbConn,
    id: Uuid,
    by: UserId,
    note: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = diesel::update(
        so::table
            .find(id.to_string())
            .filter(so::status.eq(OrderStatus::Open)),
    )
    .set((
        so::status.eq(OrderStatus::Answered),
        so::reply_note.eq(note),
        so::replied_by.eq(by.to_string()),
        so::answered_at.eq(time::to_db(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Closes a report's open orders (the report closed or was rejected); how many there were.
pub fn close_for_report(conn: &mut DbConn, report_id: ReportId) -> Result<usize> {
    Ok(diesel::update(
        so::table
            .filter(so::report_id.eq(report_id.to_string()))
            .filter(so::status.eq(OrderStatus::Open)),
    )
    .set(so::status.eq(OrderStatus::Closed))
    .execute(conn)?)
}

/// One open, not yet escalated order whose reply is overdue at `now`, locked like
/// [`crate::reports::change::claim_due`] (call inside a transaction).
pub fn claim_overdue(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Option<Order>> {
    let query = so::table
        .filter(so::status.eq(OrderStatus::Open))
        .filter(so::escalated_at.is_null())
        .filter(so::reply_by.le(time::to_db(now)))
        .order(so::reply_by)
        .limit(1);
    let row: Option<OrderRow> = match conn {
        DbConn::Sqlite(c) => query.select(OrderRow::as_select()).first(c).optional()?,
        DbConn::Postgres(c) => query
            .select(OrderRow::as_select())
            .for_no_key_update()
            .skip_locked()
            .first(c)
            .optional()?,
    };
    row.map(OrderRow::into_order).transpose()
}

/// Marks an order as escalated.
pub fn mark_escalated(conn: &mut DbConn, id: Uuid, at: DateTime<Utc>) -> Result<()> {
    diesel::update(so::table.find(id.to_string()))
        .set(so::escalated_at.eq(time::to_db(at)))
        .execute(conn)?;
    Ok(())
}

/// A page of orders, newest first, in these region subtrees (`None`: everywhere) and with
/// one of these statuses (empty: any).
pub fn list(
    conn: &mut DbConn,
    paths: Option<&[String]>,
    statuses: &[OrderStatus],
    before: Option<&str>,
    limit: i64,
) -> Result<Page<Order>> {
    let mut query = so::table.order(so::id.desc()).limit(limit + 1).into_boxed();
    if let Some(paths) = paths {
        let mut within: Box<
            dyn BoxableExpression<
                    so::table,
                    crate::conn::MultiBackend,
                    SqlType = diesel::sql_types::Bool,
                >,
        > = Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0"));
        for path in paths {
            within = Box::new(within.or(so::region_path.like(format!("{path}%"))));
        }
        query = query.filter(within);
    }
    if !statuses.is_empty() {
        query = query.filter(so::status.eq_any(statuses.iter().copied()));
    }
    if let Some(before) = before {
        query = query.filter(so::id.lt(before.to_owned()));
    }
    let rows = load(query, conn)?;
    Ok(Page::from_rows(rows, limit, |o| o.id.to_string()))
}
