//! How things look in responses: reports ([`report`]: cut to the reader's sight), accounts
//! (phone numbers masked unless the reader is the account's owner or an admin) and API
//! clients (secrets never shown).

pub mod report;

use chrono::{DateTime, Utc};
use cunxiang_core::identity::mask_phone;
use cunxiang_core::{ApiClient, ClientScope, Role, UnitId, User, UserId, UserStatus};
use serde::Serialize;
use uuid::Uuid;

/// An account as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    id: UserId,
    display_name: String,
    role: Role,
    status: UserStatus,
    /// Full for the owner and admins, `138****1234` for everyone else.
    phone: Option<String>,
    username: Option<String>,
    wechat_linked: bool,
    unit_ids: Vec<UnitId>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl UserView {
    /// The view of `user`; `full_phone` for her own eyes and admins'.
    pub fn new(user: &User, unit_ids: Vec<UnitId>, full_phone: bool) -> Self {
        UserView {
            id: user.id,
            display_name: user.display_name.clone(),
            role: user.role,
            status: user.status,
            phone: user.phone.as_deref().map(|p| {
                if full_phone {
                    p.to_owned()
                } else {
                    mask_phone(p)
                }
            }),
            username: user.username.clone(),
            wechat_linked: user.wechat_openid.is_some(),
            unit_ids,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// An API client as the API shows it (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct ClientView {
    client_id: String,
    name: String,
    scopes: Vec<ClientScope>,
    region_id: Uuid,
    rate_limit_per_minute: i32,
    status: UserStatus,
    created_at: DateTime<Utc>,
    secret_rotated_at: DateTime<Utc>,
}

impl From<&ApiClient> for ClientView {
    fn from(c: &ApiClient) -> Self {
        ClientView {
            client_id: c.id.clone(),
            name: c.name.clone(),
            scopes: c.scopes.clone(),
            region_id: c.region_id,
            rate_limit_per_minute: c.rate_limit_per_minute,
            status: c.status,
            created_at: c.created_at,
            secret_rotated_at: c.secret_rotated_at,
        }
    }
}
