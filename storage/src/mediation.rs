//! The parties to mediation cases (`mediation_parties`): added and removed by the case's
//! mediators, listed for them, their overseers and admins. Who may do which is decided in
//! `cunxiang_core::mediation`; this module only stores.

use chrono::{DateTime, Utc};
use cunxiang_core::mediation::{PartyDetails, PartyRole};
use cunxiang_core::{ReportId, UserId};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::Result;
use crate::regions::parse_id;
use crate::schema::mediation_parties as mp;
use crate::time;

pub mod conclusions;
pub mod sessions;

const TABLE: &str = "mediation_parties";

/// One party to a case.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    /// Stable id (UUIDv7, so parties list in the order they were added).
    pub id: Uuid,
    /// The case.
    pub report_id: ReportId,
    /// How she stands in the dispute.
    pub role: PartyRole,
    /// Her name.
    pub name: String,
    /// Her mobile number, when given (shown masked except to admins).
    pub phone: Option<String>,
    /// How she relates to the others.
    pub relation: Option<String>,
    /// The mediator who added her.
    pub added_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = mp)]
struct PartyRow {
    id: String,
    report_id: String,
    role: PartyRole,
    name: String,
    phone: Option<String>,
    relation: Option<String>,
    added_by: String,
    created_at: chrono::NaiveDateTime,
}

impl PartyRow {
    fn into_party(self) -> Result<Party> {
        Ok(Party {
            id: parse_id(TABLE, &self.id)?,
            report_id: parse_id(TABLE, &self.report_id)?,
            role: self.role,
            name: self.name,
            phone: self.phone,
            relation: self.relation,
            added_by: parse_id(TABLE, &self.added_by)?,
            created_at: time::from_db(self.created_at),
        })
    }
}

/// Adds a party to the case `report_id`, by `by`, at `at`; the stored party.
pub fn insert(
    conn: &mut DbConn,
    report_id: ReportId,
    details: &PartyDetails,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<Party> {
    let row = PartyRow {
        id: Uuid::now_v7().to_string(),
        report_id: report_id.to_string(),
        role: details.role,
        name: details.name.clone(),
        phone: details.phone.clone(),
        relation: details.relation.clone(),
        added_by: by.to_string(),
        created_at: time::to_db(at),
    };
    diesel::insert_into(mp::table).values(&row).execute(conn)?;
    row.into_party()
}

/// The case's parties, in the order they were added.
pub fn of_report(conn: &mut DbConn, report_id: ReportId) -> Result<Vec<Party>> {
    mp::table
        .filter(mp::report_id.eq(report_id.to_string()))
        .order(mp::id)
        .select(PartyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(PartyRow::into_party)
        .collect()
}

/// How many parties the case has.
pub fn count_of_report(conn: &mut DbConn, report_id: ReportId) -> Result<i64> {
    Ok(mp::table
        .filter(mp::report_id.eq(report_id.to_string()))
        .count()
        .get_result(conn)?)
}

/// Removes the party `id` of the case `report_id`; whether there was one.
pub fn delete(conn: &mut DbConn, report_id: ReportId, id: Uuid) -> Result<bool> {
    let n = diesel::delete(
        mp::table
            .filter(mp::id.eq(id.to_string()))
            .filter(mp::report_id.eq(report_id.to_string())),
    )
    .execute(conn)?;
    Ok(n == 1)
}
