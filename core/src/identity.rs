//! Who people are: roles, account status, and phone numbers (checked, normalised and masked).

use serde::{Deserialize, Serialize};

/// What a person does in Cunxiang; fixes what they may do (see [`crate::permission`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 村民: reports problems and follows her own reports.
    Villager,
    /// 网格员: member of a grid's unit; handles that unit's tasks.
    GridWorker,
    /// Staff of a village committee, township office or county department.
    UnitStaff,
    /// 综治中心 supervisor / dispatcher at township or county level.
    Supervisor,
    /// Runs the deployment: users, clients, organisation data.
    Admin,
}

impl Role {
    /// All roles, least authority first.
    pub const ALL: [Role; 5] = [
        Self::Villager,
        Self::GridWorker,
        Self::UnitStaff,
        Self::Supervisor,
        Self::Admin,
    ];

    /// The snake_case name used in the database, tokens and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Villager => "villager",
            Self::GridWorker => "grid_worker",
            Self::UnitStaff => "unit_staff",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role is staff (belongs to units, logs in with a password).
    pub fn is_staff(self) -> bool {
        !matches!(self, Self::Villager)
    }
}

/// Whether an account may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Can log in; tokens are honoured.
    Active,
    /// Cannot log in; its still-valid tokens are refused on the next request.
    Disabled,
}

impl UserStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// What an API client may do, granted when it is created or changed and narrowed per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClientScope {
    /// Read reports (Open311 `GET`).
    #[serde(rename = "reports:read")]
    ReportsRead,
    /// File Open311 requests.
    #[serde(rename = "reports:write")]
    ReportsWrite,
    /// File them for a villager named by her phone (代办; audited).
    #[serde(rename = "reports:on_behalf")]
    ReportsOnBehalf,
}

impl ClientScope {
    /// Every scope.
    pub const ALL: [ClientScope; 3] =
        [Self::ReportsRead, Self::ReportsWrite, Self::ReportsOnBehalf];

    /// The name used in the API, in tokens' `scope` and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReportsRead => "reports:read",
            Self::ReportsWrite => "reports:write",
            Self::ReportsOnBehalf => "reports:on_behalf",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for ClientScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Normalises a mainland-China mobile number: digits only after an optional `+86`/`86`
/// prefix and separators, 11 digits starting 13–19. `None` when it is not one.
pub fn normalise_phone(input: &str) -> Option<String> {
    let trimmed = input.trim();
    let (international, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let digits: String = rest.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = match digits.strip_prefix("86") {
        Some(national) if international || national.len() == 11 => national.to_owned(),
        _ if international => return None,
        _ => digits,
    };
    let ok = digits.len() == 11
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.starts_with('1')
        && (b'3'..=b'9').contains(&digits.as_bytes()[1]);
    ok.then_some(digits)
}

/// A phone number as staff views show it: `138****1234`.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_scopes_round_trip_and_serialise_as_their_names() {
        for scope in ClientScope::ALL {
            assert_eq!(ClientScope::parse(scope.as_str()), Some(scope));
            assert_eq!(
                serde_json::to_value(scope).ok(),
                Some(serde_json::Value::from(scope.as_str()))
            );
        }
        assert_eq!(ClientScope::parse("reports"), None);
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(!Role::Villager.is_staff());
        assert!(Role::GridWorker.is_staff());
    }

    #[test]
    fn phones_are_normalised_or_refused() {
        assert_eq!(
            normalise_phone("13812341234").as_deref(),
            Some("13812341234")
        );
        assert_eq!(
            normalise_phone("+86 138-1234-1234").as_deref(),
            Some("13812341234")
        );
        assert_eq!(
            normalise_phone("8613812341234").as_deref(),
            Some("13812341234")
        );
        for bad in [
            "12812341234",
            "1381234123",
            "138123412345",
            "phone",
            "",
            "+1 415 555 0100",
        ] {
            assert_eq!(normalise_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn masks_keep_only_prefix_and_suffix() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("123"), "****");
    }
}

/// One account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// Stable id (UUIDv7).
    pub id: crate::UserId,
    /// Name shown to others.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Whether the account may be used.
    pub status: UserStatus,
    /// Mobile number (normalised, 11 digits); shown masked except to its owner and admins.
    pub phone: Option<String>,
    /// Log-in name for staff.
    pub username: Option<String>,
    /// WeChat mini-program openid, for villagers who log in through WeChat.
    pub wechat_openid: Option<String>,
    /// When the account was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A third-party system (mini-program backend, hotline system) that calls the API with
/// client credentials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiClient {
    /// The `client_id`.
    pub id: String,
    /// Who it is, e.g. 余江区12345热线.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<ClientScope>,
    /// The region it serves (its tenant): it sees nothing outside this subtree.
    pub region_id: uuid::Uuid,
    /// Requests per minute it may make.
    pub rate_limit_per_minute: i32,
    /// Whether it may obtain tokens.
    pub status: UserStatus,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When its secret was last set.
    pub secret_rotated_at: chrono::DateTime<chrono::Utc>,
}

/// One entry of the audit log: who did what, when, from where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Stable id (UUIDv7, so time-ordered).
    pub id: uuid::Uuid,
    /// When it happened.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The user id or `client:<client_id>` that acted; `None` when unauthenticated.
    pub actor: Option<String>,
    /// What happened: `login`, `login_failed`, `user_created`, `user_changed`,
    /// `client_created`, `client_rotated`, `client_changed` …
    pub action: String,
    /// What it happened to (a user id, a client id, a masked phone, a username).
    pub subject: Option<String>,
    /// The caller's IP address.
    pub ip: Option<String>,
    /// Structured details (method, old and new role …).
    pub details: serde_json::Value,
}
