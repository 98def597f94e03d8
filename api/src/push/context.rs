//! What the delivery worker works with, handed to it by the server (`AppState::deliveries`)
//! so that push does not reach into the application state: the database, the clock, the
//! settings (the senders need the providers' keys), this instance's [`Worker`] (sending
//! bounds and breakers) and the outgoing HTTP clients ([`Senders`]).

use std::sync::Arc;

use cunxiang_core::clock::Clock;
use cunxiang_storage::Pool;

use super::gate::{Bounds, Gate};
use super::send::webhook::WebhookClient;
use super::send::wechat::WechatTokens;
use crate::settings::{PushSettings, Settings};

/// The delivery worker's world.
#[derive(Clone)]
pub struct Context {
    /// Database connections.
    pub pool: Pool,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// The server's settings.
    pub settings: Arc<Settings>,
    /// This instance's bounds and breakers.
    pub worker: Arc<Worker>,
    /// The outgoing HTTP clients.
    pub senders: Senders,
}

/// The outgoing HTTP clients a send uses.
#[derive(Clone)]
pub struct Senders {
    /// Providers (WeChat, SMS).
    pub http: reqwest::Client,
    /// Webhooks (never follows redirects, never calls inside the network unless allowed).
    pub webhook: WebhookClient,
    /// The WeChat access token shared by this instance's subscribe messages.
    pub wechat_tokens: Arc<WechatTokens>,
}

/// The delivery worker of one instance: its sending bounds and circuit breakers.
#[derive(Debug)]
pub struct Worker {
    /// Sends in flight, per destination, and the destinations' breakers.
    pub gate: Arc<Gate>,
    /// One claim at a time (the loop and a test's pass may both claim).
    pub(super) claiming: tokio::sync::Mutex<()>,
}

impl Worker {
    /// A worker with the bounds `push` asks for, not started.
    pub fn new(push: &PushSettings) -> Self {
        Worker {
            gate: Arc::new(Gate::new(Bounds::of(push))),
            claiming: tokio::sync::Mutex::new(()),
        }
    }
}
