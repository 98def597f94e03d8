//! Open311's `api_key` (`client_id:client_secret`): the client it names, active and holding
//! the write scope, one request taken from its rate limit.

use actix_web::http::StatusCode;
use cunxiang_core::{ApiClient, ClientScope, UserStatus};
use subtle::ConstantTimeEq;

use super::Open311Error;
use crate::state::AppState;

/// The scope a client needs to file requests.
const WRITE_SCOPE: ClientScope = ClientScope::ReportsWrite;

/// The active client named by `api_key` (`client_id:client_secret`) with the write scope;
/// takes one request from its rate limit (call once per POST).
pub(super) async fn authenticate(
    state: &AppState,
    key: Option<&str>,
) -> Result<ApiClient, Open311Error> {
    let key = key.ok_or_else(|| Open311Error::bad("api_key is required"))?;
    let forbidden = || Open311Error::new(StatusCode::FORBIDDEN, "api_key is not valid");
    let (id, secret) = key.split_once(':').ok_or_else(forbidden)?;
    let given = crate::keys::digest(secret);
    let lookup = id.to_owned();
    let found = state
        .db(move |conn| Ok(cunxiang_storage::clients::find(conn, &lookup)?))
        .await?;
    let (client, stored) = found.ok_or_else(forbidden)?;
    if !bool::from(stored.as_bytes().ct_eq(given.as_bytes())) {
        return Err(forbidden());
    }
    if client.status != UserStatus::Active {
        return Err(Open311Error::new(
            StatusCode::FORBIDDEN,
            "this api_key is disabled",
        ));
    }
    if !client.scopes.contains(&WRITE_SCOPE) {
        return Err(Open311Error::new(
            StatusCode::FORBIDDEN,
            format!("this api_key lacks the {WRITE_SCOPE} scope"),
        ));
    }
    state
        .client_limits
        .check(&client.id, client.rate_limit_per_minute)
        .map_err(Open311Error::too_many)?;
    Ok(client)
}
