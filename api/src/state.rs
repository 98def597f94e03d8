//! Shared application state handed to every handler, and the one way handlers reach the database.

use std::sync::Arc;

use crate::blobs::BlobStore;
use actix_web::web;
use cunxiang_core::clock::Clock;
use cunxiang_storage::{DbConn, Pool};

use crate::client_limits::ClientLimits;
use crate::error::ApiError;
use crate::keys::Keys;
use crate::route_index::RoutingCache;
use crate::settings::Settings;

/// What every handler can reach: the connection pool, the settings, the signing keys, an HTTP
/// client for providers (SMS, WeChat) and the API clients' rate limits.
#[derive(Clone)]
pub struct AppState {
    /// Database connections.
    pub pool: Pool,
    /// The server's settings.
    pub settings: Arc<Settings>,
    /// Token signing and code hashing keys.
    pub keys: Keys,
    /// Outgoing HTTP (providers).
    pub http: reqwest::Client,
    /// Per-client request limits.
    pub client_limits: Arc<ClientLimits>,
    /// The in-memory grid index for point lookup.
    pub routing: RoutingCache,
    /// Bounds how many password hashes are checked at once.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// Where photos' bytes are kept.
    pub blobs: Arc<dyn BlobStore>,
    /// Bounds how many photos are decoded at once (CPU).
    pub photo_slots: Arc<tokio::sync::Semaphore>,
    /// The photo memory budget, one permit a MiB: each decode holds its estimated peak.
    pub photo_memory: Arc<tokio::sync::Semaphore>,
    /// Where "now" comes from for reports and their deadlines (tests shift it).
    pub clock: Arc<dyn Clock>,
    /// This instance's open live streams (`GET /v1/events`) and the feed they are fed from.
    pub hub: Arc<crate::push::hub::Hub>,
    /// Outgoing HTTP to webhooks (never follows redirects, never calls inside the network
    /// unless allowed).
    pub webhook_http: crate::push::send::webhook::WebhookClient,
    /// The WeChat access token, shared by every subscribe message this instance sends.
    pub wechat_tokens: Arc<crate::push::send::wechat::WechatTokens>,
    /// This instance's delivery worker: its sending bounds, circuit breakers and loop.
    pub delivery: Arc<crate::push::context::Worker>,
}

impl AppState {
    /// What the deadline worker works with.
    pub fn deadlines(&self) -> crate::lifecycle::deadlines::Context {
        crate::lifecycle::deadlines::Context {
            pool: self.pool.clone(),
            clock: self.clock.clone(),
            settings: self.settings.clone(),
            routing: self.routing.clone(),
        }
    }

    /// What opening a live stream needs.
    pub fn streams(&self) -> crate::push::stream::Streams {
        crate::push::stream::Streams {
            hub: self.hub.clone(),
            pool: self.pool.clone(),
            max_per_user: self.settings.push.max_streams_per_user,
        }
    }

    /// What the delivery worker works with.
    pub fn deliveries(&self) -> crate::push::context::Context {
        crate::push::context::Context {
            pool: self.pool.clone(),
            clock: self.clock.clone(),
            settings: self.settings.clone(),
            worker: self.delivery.clone(),
            senders: crate::push::context::Senders {
                http: self.http.clone(),
                webhook: self.webhook_http.clone(),
                wechat_tokens: self.wechat_tokens.clone(),
            },
        }
    }

    /// Runs `f` with a pooled connection on the blocking thread pool: the pool's `get()` and
    /// every diesel call stay off the async workers.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        // Log lines written by `f` (a busy database, an internal error) carry the request id.
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(ApiError::unavailable)?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs a background worker's blocking database work off the async runtime, with a pooled
    /// connection. Workers keep their own error type (`anyhow`): nothing here is an HTTP answer.
    pub async fn work<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> anyhow::Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}
