//! The live stream's feed (`event_recipients`): one row per event and person it goes to,
//! numbered by `seq`; the event is a report's ([`ReportFed`]) or the organisation's (an
//! [`OrgEvent`]). Writers call [`order_commits`] first, so on PostgreSQL too the sequence is
//! the order of commits and a reader that has seen `seq` N has seen everything below it.

use cunxiang_core::UserId;
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_core::push::Reason;
use diesel::prelude::*;

use super::org_events::{OrgEvent, OrgEventRow};
use crate::conn::DbConn;
use crate::error::Result;
use crate::error::StorageError;
use crate::regions::parse_id;
use crate::reports::events::{EventRow, ReportEvent};
use crate::schema::{event_recipients, org_events, report_events, reports};

/// One event as it reaches one person.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// Position in the feed (the stream's `id:`).
    pub seq: i64,
    /// The person.
    pub user_id: UserId,
    /// Why she receives it.
    pub reason: Reason,
    /// The event.
    pub fed: Fed,
}

/// What a feed row carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Fed {
    /// An event of a report's timeline.
    Report(ReportFed),
    /// An event of the organisation.
    Org(OrgEvent),
}

/// A report event as the stream needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFed {
    /// The report's status just after the event.
    pub status: ReportStatus,
    /// The report's case number.
    pub case_number: String,
    /// Who reported it (hidden from other villagers as the actor of her own events).
    pub reporter_id: UserId,
    /// Whether the report is anonymous.
    pub anonymous: bool,
    /// The materialised path of the report's region (for region watches).
    pub region_path: String,
    /// The event.
    pub event: ReportEvent,
}

/// A PostgreSQL lock key for "writing to the feed" (any constant; ours spells CXFEED).
const FEED_LOCK: i64 = 0x43_58_46_45_45_44;

/// Recipients written per statement (5 parameters each: SQLite allows 32,766 in all).
const INSERT_CHUNK: usize = 1000;

/// Makes this transaction's feed rows commit in `seq` order with everyone else's: on
/// PostgreSQL a transaction-scoped advisory lock, held until commit, serialises the short
/// stretch from taking sequence numbers to committing; SQLite writers are serial already.
/// Call it inside the transaction, as late as possible.
pub fn order_commits(conn: &mut DbConn) -> Result<()> {
    crate::conn::serialise(conn, FEED_LOCK)?;
    // Wakes the instances listening on PostgreSQL at this transaction's commit (a rolled-back
    // one notifies nobody); they read the feed at once instead of at their next poll.
    if let DbConn::Postgres(c) = conn {
        diesel::sql_query(format!("NOTIFY {FEED_CHANNEL}")).execute(c)?;
    }
    Ok(())
}

/// The PostgreSQL channel writers notify when they commit feed rows.
pub const FEED_CHANNEL: &str = "cunxiang_feed";

/// Adds `event` to the feed of each of `recipients` (user id, reason), with the report's
/// `status` after it. Call [`order_commits`] first, in the same transaction.
pub fn insert(
    conn: &mut DbConn,
    event: &ReportEvent,
    status: ReportStatus,
    recipients: &[(UserId, Reason)],
) -> Result<()> {
    if recipients.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = recipients
        .iter()
        .map(|(user, reason)| {
            (
                event_recipients::event_id.eq(Some(event.id.to_string())),
                event_recipients::report_id.eq(Some(event.report_id.to_string())),
                event_recipients::user_id.eq(user.to_string()),
                event_recipients::reason.eq(*reason),
                event_recipients::status.eq(Some(status)),
            )
        })
        .collect();
    // Batch inserts need the concrete connection (MultiConnection cannot express them), and
    // chunks keep a widely followed report under the databases' bound-parameter limits.
    for chunk in rows.chunks(INSERT_CHUNK) {
        let insert = diesel::insert_into(event_recipients::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Adds the organisation event `event` (recorded already) to the feed of each of `recipients`.
/// Call [`order_commits`] first, in the same transaction.
pub fn insert_org(
    conn: &mut DbConn,
    event: &OrgEvent,
    recipients: &[(UserId, Reason)],
) -> Result<()> {
    let rows: Vec<_> = recipients
        .iter()
        .map(|(user, reason)| {
            (
                event_recipients::org_event_id.eq(Some(event.id.to_string())),
                event_recipients::user_id.eq(user.to_string()),
                event_recipients::reason.eq(*reason),
            )
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        let insert = diesel::insert_into(event_recipients::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// seq, user, reason, status, case number, reporter, anonymous, event.
type FeedRow = (
    i64,
    String,
    Reason,
    Option<ReportStatus>,
    String,
    String,
    bool,
    String,
    EventRow,
);

/// The highest `seq` written so far (0 when the feed is empty).
pub fn latest(conn: &mut DbConn) -> Result<i64> {
    let max: Option<i64> = event_recipients::table
        .select(diesel::dsl::max(event_recipients::seq))
        .first(conn)?;
    Ok(max.unwrap_or(0))
}

/// Feed rows after `seq`, in order, at most `limit`: everyone's (`user` = `None`, what an
/// instance fans out to its streams) or one person's (a stream catching up). Report and
/// organisation rows are read apart (each at most `limit`) and merged by `seq`.
pub fn after(
    conn: &mut DbConn,
    seq: i64,
    user: Option<UserId>,
    limit: i64,
) -> Result<Vec<FeedItem>> {
    let mut items = report_rows(conn, seq, user, limit)?;
    items.extend(org_rows(conn, seq, user, limit)?);
    items.sort_by_key(|i| i.seq);
    items.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(items)
}

fn report_rows(
    conn: &mut DbConn,
    seq: i64,
    user: Option<UserId>,
    limit: i64,
) -> Result<Vec<FeedItem>> {
    let mut query = event_recipients::table
        .inner_join(report_events::table)
        .inner_join(reports::table.on(event_recipients::report_id.eq(reports::id.nullable())))
        .filter(event_recipients::seq.gt(seq))
        .order(event_recipients::seq)
        .limit(limit)
        .select((
            event_recipients::seq,
            event_recipients::user_id,
            event_recipients::reason,
            event_recipients::status,
            reports::case_number,
            reports::reporter_id,
            reports::anonymous,
            reports::region_path,
            EventRow::as_select(),
        ))
        .into_boxed();
    if let Some(user) = user {
        query = query.filter(event_recipients::user_id.eq(user.to_string()));
    }
    let rows: Vec<FeedRow> = query.load(conn)?;
    rows.into_iter()
        .map(
            |(
                seq,
                user_id,
                reason,
                status,
                case_number,
                reporter_id,
                anonymous,
                region_path,
                event,
            )| {
                let status = status.ok_or_else(|| StorageError::Corrupt {
                    table: "event_recipients",
                    reason: format!("row {seq} of a report event has no status"),
                })?;
                Ok(FeedItem {
                    seq,
                    user_id: parse_id("event_recipients", &user_id)?,
                    reason,
                    fed: Fed::Report(ReportFed {
                        status,
                        case_number,
                        reporter_id: parse_id("reports", &reporter_id)?,
                        anonymous,
                        region_path,
                        event: event.into_event()?,
                    }),
                })
            },
        )
        .collect()
}

fn org_rows(
    conn: &mut DbConn,
    seq: i64,
    user: Option<UserId>,
    limit: i64,
) -> Result<Vec<FeedItem>> {
    let mut query = event_recipients::table
        .inner_join(org_events::table)
        .filter(event_recipients::seq.gt(seq))
        .order(event_recipients::seq)
        .limit(limit)
        .select((
            event_recipients::seq,
            event_recipients::user_id,
            event_recipients::reason,
            OrgEventRow::as_select(),
        ))
        .into_boxed();
    if let Some(user) = user {
        query = query.filter(event_recipients::user_id.eq(user.to_string()));
    }
    let rows: Vec<(i64, String, Reason, OrgEventRow)> = query.load(conn)?;
    rows.into_iter()
        .map(|(seq, user_id, reason, event)| {
            Ok(FeedItem {
                seq,
                user_id: parse_id("event_recipients", &user_id)?,
                reason,
                fed: Fed::Org(event.into_event()?),
            })
        })
        .collect()
}
