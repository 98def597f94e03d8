//! `GET /v1/events`: the caller's live stream (Server-Sent Events) — every event of the reports
//! she follows, as it happens, `id:` = its feed `seq`. `Last-Event-ID` (or `?after=`) replays
//! what she missed from the database first; without either, only new events come. A comment
//! every `heartbeat_secs` keeps proxies from closing a quiet stream; the stream ends when her
//! access token expires, and the client reconnects with a fresh one; it also ends, after a
//! last comment, when the server stops (see [`crate::push::stream`]).

use std::time::Duration;

use actix_web::http::header;
use actix_web::{Either, HttpRequest, Responder, web};
use actix_web_lab::sse::Sse;
use cunxiang_core::Role;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::auth::tokens;
use crate::error::{ApiError, ErrorCode};
use crate::push::stream;
use crate::state::AppState;

/// Query of `GET /v1/events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Replay events after this `seq` (`Last-Event-ID` wins when both are sent: a browser
    /// reconnecting keeps the first URL).
    after: Option<String>,
    /// `region`: instead of her own events, a notice of every change to a report in her
    /// regions (supervisors and admins; see [`crate::push::watch`]).
    watch: Option<String>,
}

/// A non-negative `seq` given as `name`.
fn parse_seq(name: &str, value: &str) -> Result<i64, ApiError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| *s >= 0)
        .ok_or_else(|| {
            ApiError::invalid_parameter(name, format!("{name} must be a non-negative integer"))
        })
}

/// Where the caller's access token ends (seconds since the epoch).
fn token_expiry(state: &AppState, req: &HttpRequest) -> Result<i64, ApiError> {
    let refused = || ApiError::unauthorized(ErrorCode::InvalidToken, "the access token is invalid");
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(refused)?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or_else(refused)?;
    Ok(tokens::verify(&state.keys, token)
        .map_err(|_| refused())?
        .exp)
}

/// `GET /v1/events`.
pub async fn stream(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    query: web::Query<StreamQuery>,
) -> Result<impl Responder, ApiError> {
    let header = req
        .headers()
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::invalid_parameter("Last-Event-ID", "not ASCII"))
        })
        .transpose()?;
    let after = match (header, query.after.as_deref()) {
        (Some(id), _) => Some(parse_seq("Last-Event-ID", id)?),
        (None, Some(after)) => Some(parse_seq("after", after)?),
        (None, None) => None,
    };
    let left = token_expiry(&state, &req)? - chrono::Utc::now().timestamp();
    if left <= 0 {
        return Err(ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "the access token is invalid or expired",
        ));
    }
    let until = tokio::time::Instant::now() + Duration::from_secs(left.unsigned_abs());
    let heartbeat = Duration::from_secs(state.settings.push.heartbeat_secs.max(1));
    if let Some(watch) = query.watch.as_deref() {
        if watch != "region" {
            return Err(ApiError::invalid_parameter(
                "watch",
                "watch must be `region`",
            ));
        }
        if !matches!(me.user.role, Role::Supervisor | Role::Admin) {
            return Err(ApiError::forbidden(
                "only supervisors and admins watch a region",
            ));
        }
        let max = state.settings.push.max_streams_per_user;
        let notices = crate::push::watch::events(state.hub.clone(), me.actor.clone(), max, until)?;
        return Ok(Either::Left(
            Sse::from_infallible_stream(notices).with_keep_alive(heartbeat),
        ));
    }
    let events = stream::open(state.streams(), me.user.id, me.user.role, after, until).await?;
    Ok(Either::Right(
        Sse::from_infallible_stream(events).with_keep_alive(heartbeat),
    ))
}
