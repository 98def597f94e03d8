//! What grows without bound, removed in batches: idempotency keys past their use, photos
//! never attached to a report (they carry the villager's EXIF GPS), sent deliveries and feed
//! rows past the retention period. Each function removes at most `batch` rows in one short
//! statement pair (select the keys, delete those), so writers are never held up by a long
//! delete, and answers how many it removed; the caller repeats until fewer than `batch` come
//! back. Both databases run the same statements (SQLite has no `DELETE … LIMIT`).

use chrono::{DateTime, Utc};
use cunxiang_core::push::DeliveryStatus;
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::error::Result;
use crate::media::Media;
use crate::schema::{
    deliveries, event_recipients, idempotency_keys, media, org_events, report_events,
};
use crate::time;

/// Removes up to `batch` idempotency keys made before `before`; a retry after that makes a
/// new report instead of replaying the old answer.
pub fn expire_keys(conn: &mut DbConn, before: DateTime<Utc>, batch: i64) -> Result<usize> {
    // The key table has a two-column key: delete by time up to the batch's newest instead
    // of key by key (keys made at that same instant go in the same batch).
    let cutoff = time::to_db(before);
    let newest: Option<chrono::NaiveDateTime> = idempotency_keys::table
        .filter(idempotency_keys::created_at.lt(cutoff))
        .select(idempotency_keys::created_at)
        .order(idempotency_keys::created_at)
        .offset(batch - 1)
        .first(conn)
        .optional()?;
    Ok(diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::created_at.lt(cutoff))
            .filter(idempotency_keys::created_at.le(newest.unwrap_or(cutoff))),
    )
    .execute(conn)?)
}

/// Up to `batch` photos uploaded before `before` and never attached to a report.
pub fn unattached_photos(
    conn: &mut DbConn,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<Vec<Media>> {
    media::table
        .filter(media::report_id.is_null())
        .filter(media::created_at.lt(time::to_db(before)))
        .select(crate::media::MediaRow::as_select())
        .order(media::created_at)
        .limit(batch)
        .load(conn)?
        .into_iter()
        .map(crate::media::MediaRow::into_media)
        .collect()
}

/// Deletes the photo rows among `ids` that are still unattached (a report filed meanwhile
/// keeps its photos); answers how many went.
pub fn delete_unattached(conn: &mut DbConn, ids: &[uuid::Uuid]) -> Result<usize> {
    let ids: Vec<String> = ids.iter().map(uuid::Uuid::to_string).collect();
    Ok(diesel::delete(
        media::table
            .filter(media::id.eq_any(ids))
            .filter(media::report_id.is_null()),
    )
    .execute(conn)?)
}

/// The smallest UUIDv7 of the millisecond `t`: every v7 id made before `t` sorts below it (ids
/// are stored as lower-case text, whose order is their time order). Bounding a query by it
/// turns "rows older than the retention" into a range of the id's index: each batch reads only
/// old rows, and a pass with nothing left to do reads nothing, however large the table.
fn v7_bound(t: DateTime<Utc>) -> String {
    let ms = u64::try_from(t.timestamp_millis()).unwrap_or(0);
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    uuid::Uuid::from_bytes(bytes).to_string()
}

/// Removes up to `batch` deliveries sent before `before` (pending and dead ones stay: they
/// are work, or evidence of a failure an admin may retry). Only deliveries created before
/// `before` are looked at (their ids are UUIDv7), through the `(status, id)` index.
pub fn prune_sent_deliveries(
    conn: &mut DbConn,
    before: DateTime<Utc>,
    batch: i64,
) -> Result<usize> {
    let ids: Vec<String> = deliveries::table
        .filter(deliveries::status.eq(DeliveryStatus::Sent))
        .filter(deliveries::id.lt(v7_bound(before)))
        .filter(deliveries::sent_at.lt(time::to_db(before)))
        .select(deliveries::id)
        .limit(batch)
        .load(conn)?;
    Ok(diesel::delete(deliveries::table.filter(deliveries::id.eq_any(ids))).execute(conn)?)
}

/// Removes up to `batch` feed rows whose event happened before `before` (a stream resuming
/// from further back than the retention simply gets less). Only rows of events made before
/// `before` are looked at (event ids are UUIDv7), through the rows' event indexes.
pub fn prune_feed(conn: &mut DbConn, before: DateTime<Utc>, batch: i64) -> Result<usize> {
    let cutoff = time::to_db(before);
    let bound = v7_bound(before);
    let mut seqs: Vec<i64> = event_recipients::table
        .inner_join(report_events::table)
        .filter(event_recipients::event_id.lt(&bound))
        .filter(report_events::at.lt(cutoff))
        .select(event_recipients::seq)
        .limit(batch)
        .load(conn)?;
    if (seqs.len() as i64) < batch {
        let room = batch - seqs.len() as i64;
        seqs.extend(
            event_recipients::table
                .inner_join(org_events::table)
                .filter(event_recipients::org_event_id.lt(&bound))
                .filter(org_events::at.lt(cutoff))
                .select(event_recipients::seq)
                .limit(room)
                .load::<i64>(conn)?,
        );
    }
    Ok(
        diesel::delete(event_recipients::table.filter(event_recipients::seq.eq_any(seqs)))
            .execute(conn)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_v7_bound_sorts_between_earlier_and_later_ids() {
        let t = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let id_at = |t: DateTime<Utc>| {
            let ts = uuid::Timestamp::from_unix(
                uuid::NoContext,
                u64::try_from(t.timestamp()).unwrap(),
                t.timestamp_subsec_nanos(),
            );
            uuid::Uuid::new_v7(ts).to_string()
        };
        let bound = v7_bound(t);
        assert!(id_at(t - chrono::Duration::milliseconds(1)) < bound);
        assert!(id_at(t - chrono::Duration::days(400)) < bound);
        assert!(id_at(t + chrono::Duration::milliseconds(1)) > bound);
        assert!(id_at(t) >= bound);
    }
}
