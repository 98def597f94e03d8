//! The audit log: appending who did what, when and from where, and listing it newest first.

use cunxiang_core::identity::AuditEntry;
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::page::Page;
use crate::regions::parse_id;
use crate::schema::audit_log;
use crate::time;

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: String,
    at: chrono::NaiveDateTime,
    actor: Option<String>,
    action: String,
    subject: Option<String>,
    ip: Option<String>,
    details: String,
}

impl AuditRow {
    fn into_core(self) -> Result<AuditEntry> {
        let details = serde_json::from_str(&self.details).map_err(|e| StorageError::Corrupt {
            table: "audit_log",
            reason: format!("details of {}: {e}", self.id),
        })?;
        Ok(AuditEntry {
            id: parse_id("audit_log", &self.id)?,
            at: time::from_db(self.at),
            actor: self.actor,
            action: self.action,
            subject: self.subject,
            ip: self.ip,
            details,
        })
    }
}

/// An entry to append.
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    /// The user id or `client:<client_id>` that acted; `None` when unauthenticated.
    pub actor: Option<&'a str>,
    /// What happened (`login`, `user_created` …).
    pub action: &'a str,
    /// What it happened to.
    pub subject: Option<&'a str>,
    /// The caller's IP address.
    pub ip: Option<&'a str>,
    /// Structured details (stored as JSON text).
    pub details: serde_json::Value,
}

/// Appends an entry, stamped now with a new UUIDv7 id.
pub fn insert(conn: &mut DbConn, entry: &NewAuditEntry<'_>) -> Result<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(Uuid::now_v7().to_string()),
            audit_log::at.eq(time::to_db(time::now())),
            audit_log::actor.eq(entry.actor),
            audit_log::action.eq(entry.action),
            audit_log::subject.eq(entry.subject),
            audit_log::ip.eq(entry.ip),
            audit_log::details.eq(entry.details.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

/// One page of entries, newest first (descending id), optionally only one `action`; the
/// cursor `after` continues with entries older than (ids less than) it.
pub fn list(
    conn: &mut DbConn,
    action: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Page<AuditEntry>> {
    let mut query = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .into_boxed();
    if let Some(action) = action {
        query = query.filter(audit_log::action.eq(action.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(audit_log::id.lt(after.to_owned()));
    }
    let rows: Vec<AuditRow> = query.limit(limit + 1).load(conn)?;
    let entries = rows
        .into_iter()
        .map(AuditRow::into_core)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(entries, limit, |e| e.id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::tests::each_backend;

    fn entry(action: &str, n: i64) -> NewAuditEntry<'_> {
        NewAuditEntry {
            actor: Some("client:hotline"),
            action,
            subject: None,
            ip: Some("10.0.0.1"),
            details: serde_json::json!({ "n": n, "名": "张三" }),
        }
    }

    #[test]
    fn entries_list_newest_first_with_a_cursor() {
        each_backend(|conn| {
            for n in 0..5 {
                let action = if n % 2 == 0 { "login" } else { "login_failed" };
                insert(conn, &entry(action, n)).unwrap();
            }
            let n_of = |e: &AuditEntry| e.details["n"].as_i64().unwrap();
            let first = list(conn, None, None, 2).unwrap();
            assert_eq!(first.items.iter().map(n_of).collect::<Vec<_>>(), [4, 3]);
            assert_eq!(first.items[0].details["名"], "张三");
            assert_eq!(first.items[0].actor.as_deref(), Some("client:hotline"));
            let cursor = first.next_cursor.unwrap();
            assert_eq!(cursor, first.items[1].id.to_string());
            let second = list(conn, None, Some(&cursor), 2).unwrap();
            assert_eq!(second.items.iter().map(n_of).collect::<Vec<_>>(), [2, 1]);
            let last = list(conn, None, second.next_cursor.as_deref(), 2).unwrap();
            assert_eq!(last.items.iter().map(n_of).collect::<Vec<_>>(), [0]);
            assert_eq!(last.next_cursor, None);

            let logins = list(conn, Some("login"), None, 10).unwrap();
            assert_eq!(logins.items.iter().map(n_of).collect::<Vec<_>>(), [4, 2, 0]);
            assert!(logins.items[0].at >= logins.items[2].at);
        });
    }
}
