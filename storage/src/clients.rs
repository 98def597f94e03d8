//! API clients: third-party systems with a hashed secret, scopes, a tenant region and a rate
//! limit; inserted, found with their secret hash, listed, rotated and changed.

use cunxiang_core::identity::{ApiClient, ClientScope, UserStatus};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError, unique_conflict};
use crate::page::Page;
use crate::regions::parse_id;
use crate::schema::{api_clients, regions};
use crate::time;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients)]
struct ClientRow {
    id: String,
    name: String,
    secret_hash: String,
    scopes: String,
    region_id: String,
    rate_limit_per_minute: i32,
    status: String,
    created_at: chrono::NaiveDateTime,
    secret_rotated_at: chrono::NaiveDateTime,
}

#[derive(AsChangeset)]
#[diesel(table_name = api_clients)]
struct ClientChangeset<'a> {
    name: Option<&'a str>,
    scopes: Option<String>,
    rate_limit_per_minute: Option<i32>,
    status: Option<&'static str>,
}

impl ClientRow {
    /// The client and its secret hash.
    fn into_core(self) -> Result<(ApiClient, String)> {
        let status = UserStatus::parse(&self.status).ok_or_else(|| StorageError::Corrupt {
            table: "api_clients",
            reason: format!("status {:?}", self.status),
        })?;
        let scopes = self
            .scopes
            .split_whitespace()
            .map(|s| {
                ClientScope::parse(s).ok_or_else(|| StorageError::Corrupt {
                    table: "api_clients",
                    reason: format!("scope {s:?}"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let client = ApiClient {
            scopes,
            region_id: parse_id("api_clients", &self.region_id)?,
            id: self.id,
            name: self.name,
            rate_limit_per_minute: self.rate_limit_per_minute,
            status,
            created_at: time::from_db(self.created_at),
            secret_rotated_at: time::from_db(self.secret_rotated_at),
        };
        Ok((client, self.secret_hash))
    }
}

/// Scopes as stored: their names, space-separated.
fn joined(scopes: &[ClientScope]) -> String {
    let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    names.join(" ")
}

/// A client to insert; it starts `active`. `Debug` hides the secret hash.
#[derive(Clone)]
pub struct NewClient {
    /// The `client_id` (unique).
    pub id: String,
    /// Who it is.
    pub name: String,
    /// Hash of its secret.
    pub secret_hash: String,
    /// What it may do (stored space-separated).
    pub scopes: Vec<ClientScope>,
    /// The region it serves (must exist).
    pub region_id: Uuid,
    /// Requests per minute it may make; must be positive.
    pub rate_limit_per_minute: i32,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClient")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret_hash", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("region_id", &self.region_id)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .finish()
    }
}

/// Inserts a client (status `active`, secret rotated now). [`StorageError::Conflict`] when the
/// id is taken, [`StorageError::NotFound`] when the region does not exist.
pub fn insert(conn: &mut DbConn, new: &NewClient) -> Result<ApiClient> {
    let region = new.region_id.to_string();
    let region_exists: i64 = regions::table
        .filter(regions::id.eq(&region))
        .count()
        .get_result(conn)?;
    if region_exists == 0 {
        return Err(StorageError::NotFound(format!("region {}", new.region_id)));
    }
    let now = time::to_db(time::now());
    let row = ClientRow {
        id: new.id.clone(),
        name: new.name.clone(),
        secret_hash: new.secret_hash.clone(),
        scopes: joined(&new.scopes),
        region_id: region,
        rate_limit_per_minute: new.rate_limit_per_minute,
        status: UserStatus::Active.as_str().to_owned(),
        created_at: now,
        secret_rotated_at: now,
    };
    diesel::insert_into(api_clients::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| unique_conflict(e, |_| format!("api client {}", new.id)))?;
    Ok(row.into_core()?.0)
}

/// The client with this `client_id` and its secret hash.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<(ApiClient, String)>> {
    api_clients::table
        .find(id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .map(ClientRow::into_core)
        .transpose()
}

/// One page of clients in id order.
pub fn list(conn: &mut DbConn, after: Option<&str>, limit: i64) -> Result<Page<ApiClient>> {
    let mut query = api_clients::table
        .select(ClientRow::as_select())
        .order(api_clients::id)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(api_clients::id.gt(after.to_owned()));
    }
    let rows: Vec<ClientRow> = query.limit(limit + 1).load(conn)?;
    let clients = rows
        .into_iter()
        .map(|r| r.into_core().map(|(client, _)| client))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(clients, limit, |c| c.id.clone()))
}

/// Replaces the secret hash and sets `secret_rotated_at` to now; `None` when there is no such
/// client.
pub fn set_secret(conn: &mut DbConn, id: &str, secret_hash: &str) -> Result<Option<ApiClient>> {
    let changed = diesel::update(api_clients::table.find(id))
        .set((
            api_clients::secret_hash.eq(secret_hash),
            api_clients::secret_rotated_at.eq(time::to_db(time::now())),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    Ok(find(conn, id)?.map(|(client, _)| client))
}

/// Changes the given fields (the `Some` ones); the client afterwards, or `None` when there is
/// no such client.
pub fn update(
    conn: &mut DbConn,
    id: &str,
    name: Option<&str>,
    scopes: Option<&[ClientScope]>,
    rate_limit_per_minute: Option<i32>,
    status: Option<UserStatus>,
) -> Result<Option<ApiClient>> {
    let changes = ClientChangeset {
        name,
        scopes: scopes.map(joined),
        rate_limit_per_minute,
        status: status.map(UserStatus::as_str),
    };
    let nothing = changes.name.is_none()
        && changes.scopes.is_none()
        && changes.rate_limit_per_minute.is_none()
        && changes.status.is_none();
    // An empty changeset is an error in diesel: with nothing to change, just read.
    if !nothing {
        diesel::update(api_clients::table.find(id))
            .set(&changes)
            .execute(conn)?;
    }
    Ok(find(conn, id)?.map(|(client, _)| client))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::tests::{each_backend, region};

    fn new_client(id: &str, region_id: Uuid) -> NewClient {
        NewClient {
            id: id.to_owned(),
            name: "余江区12345热线".to_owned(),
            secret_hash: "secret-hash".to_owned(),
            scopes: vec![ClientScope::ReportsRead, ClientScope::ReportsWrite],
            region_id,
            rate_limit_per_minute: 60,
        }
    }

    #[test]
    fn clients_are_stored_rotated_and_changed() {
        each_backend(|conn| {
            let county = region(conn, None);
            let client = insert(conn, &new_client("hotline", county)).unwrap();
            assert_eq!(
                client.scopes,
                [ClientScope::ReportsRead, ClientScope::ReportsWrite]
            );
            assert_eq!(client.status, UserStatus::Active);
            let (found, hash) = find(conn, "hotline").unwrap().unwrap();
            assert_eq!((found, hash.as_str()), (client.clone(), "secret-hash"));
            assert_eq!(find(conn, "nobody").unwrap(), None);

            let dup = insert(conn, &new_client("hotline", county)).unwrap_err();
            assert!(matches!(dup, StorageError::Conflict(_)), "{dup}");
            assert_eq!(dup.to_string(), "api client hotline already exists");
            let orphan = insert(conn, &new_client("orphan", Uuid::now_v7())).unwrap_err();
            assert!(matches!(orphan, StorageError::NotFound(_)), "{orphan}");

            let rotated = set_secret(conn, "hotline", "new-hash").unwrap().unwrap();
            assert!(rotated.secret_rotated_at >= client.secret_rotated_at);
            assert_eq!(find(conn, "hotline").unwrap().unwrap().1, "new-hash");
            assert_eq!(set_secret(conn, "nobody", "x").unwrap(), None);

            let scopes = [ClientScope::ReportsRead];
            let changed = update(conn, "hotline", None, Some(&scopes), Some(5), None)
                .unwrap()
                .unwrap();
            assert_eq!(changed.scopes, [ClientScope::ReportsRead]);
            assert_eq!(
                (changed.rate_limit_per_minute, changed.name.as_str()),
                (5, "余江区12345热线")
            );
            let same = update(conn, "hotline", None, None, None, None)
                .unwrap()
                .unwrap();
            assert_eq!(same, changed);
            let off = update(
                conn,
                "hotline",
                Some("热线"),
                None,
                None,
                Some(UserStatus::Disabled),
            )
            .unwrap()
            .unwrap();
            assert_eq!(
                (off.name.as_str(), off.status),
                ("热线", UserStatus::Disabled)
            );
            assert_eq!(
                update(conn, "nobody", Some("x"), None, None, None).unwrap(),
                None
            );
        });
    }

    #[test]
    fn clients_list_in_id_order_with_a_cursor() {
        each_backend(|conn| {
            let county = region(conn, None);
            for id in ["c", "a", "b"] {
                insert(conn, &new_client(id, county)).unwrap();
            }
            let first = list(conn, None, 2).unwrap();
            let ids: Vec<_> = first.items.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(ids, ["a", "b"]);
            assert_eq!(first.next_cursor.as_deref(), Some("b"));
            let rest = list(conn, first.next_cursor.as_deref(), 2).unwrap();
            assert_eq!(rest.items.len(), 1);
            assert_eq!((rest.items[0].id.as_str(), rest.next_cursor), ("c", None));
        });
    }
}
