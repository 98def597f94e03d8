//! Push storage: who each event goes to (the live stream's feed), the webhooks partners
//! register, and the outbox of deliveries and how its due rows are claimed.

pub mod claims;
pub mod deliveries;
pub mod feed;
pub mod org_events;
pub mod people;
pub mod webhooks;
