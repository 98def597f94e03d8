//! Push: every timeline event reaches the people following the report — live over SSE
//! ([`hub`], [`stream`]), and through the durable outbox ([`publish`], [`deliver`]) to
//! partners' webhooks, WeChat subscribe messages and SMS ([`message`], [`send`], [`attempt`]),
//! within per-instance sending bounds and circuit breakers ([`gate`], [`breaker`]); the worker
//! is handed what it works with ([`context`]) and never reaches into the application state.

pub mod attempt;
pub mod breaker;
pub mod context;
pub mod deliver;
pub mod gate;
pub mod hub;
pub mod message;
pub mod publish;
pub mod send;
pub mod stream;
pub mod wake;
pub mod watch;
