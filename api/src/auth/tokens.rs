//! Access tokens: short-lived HS256 JWTs carrying `sub`, `role`, `unit`, `exp`, `iat`, `jti`
//! (and `scope` for API clients), with the key id in the header. Anything else —
//! another `kid`, `alg: none`, another algorithm, an expired or altered token — is refused.

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::keys::Keys;

/// Role claim of a token issued to an API client (not a user role).
pub const CLIENT_ROLE: &str = "client";

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, or the client id for API clients.
    pub sub: String,
    /// The user's role, or `client`.
    pub role: String,
    /// The user's first unit, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Space-separated scopes (API clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Unique token id.
    pub jti: String,
}

/// Why a token was refused (each answers 401; the reason goes to the log only).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The header names another key.
    #[error("unknown key id")]
    UnknownKid,
    /// Signature, algorithm, expiry or format is wrong.
    #[error("{0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

/// Signs claims for `sub` valid `ttl_secs` from `now`.
pub fn issue(
    keys: &Keys,
    sub: &str,
    role: &str,
    unit: Option<String>,
    scope: Option<String>,
    now: i64,
    ttl_secs: u64,
) -> Result<String, jsonwebtoken::errors::Error> {
    let claims = Claims {
        sub: sub.to_owned(),
        role: role.to_owned(),
        unit,
        scope,
        exp: now + i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2),
        iat: now,
        jti: uuid::Uuid::now_v7().to_string(),
    };
    let header = Header {
        kid: Some(keys.kid.clone()),
        ..Header::new(Algorithm::HS256)
    };
    jsonwebtoken::encode(&header, &claims, &keys.encoding)
}

/// Checks a token: our key id, HS256 only, valid signature, not expired (30 s leeway).
pub fn verify(keys: &Keys, token: &str) -> Result<Claims, TokenError> {
    let header = jsonwebtoken::decode_header(token)?;
    if header.kid.as_deref() != Some(keys.kid.as_str()) {
        return Err(TokenError::UnknownKid);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 30;
    validation.set_required_spec_claims(&["exp", "iat", "sub"]);
    Ok(jsonwebtoken::decode::<Claims>(token, &keys.decoding, &validation)?.claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> Keys {
        Keys::from_secret(b"test-secret-test-secret-test-secret!").unwrap()
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn a_fresh_token_round_trips() {
        let t = issue(
            &keys(),
            "u1",
            "grid_worker",
            Some("unit1".into()),
            None,
            now(),
            900,
        )
        .unwrap();
        let claims = verify(&keys(), &t).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.role.as_str()),
            ("u1", "grid_worker")
        );
        assert_eq!(claims.unit.as_deref(), Some("unit1"));
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn expired_foreign_tampered_and_unsigned_tokens_are_refused() {
        let k = keys();
        let expired = issue(&k, "u1", "admin", None, None, now() - 3600, 900).unwrap();
        assert!(verify(&k, &expired).is_err());

        let other = Keys::from_secret(b"another-secret-another-secret-12345").unwrap();
        let foreign = issue(&other, "u1", "admin", None, None, now(), 900).unwrap();
        assert!(matches!(verify(&k, &foreign), Err(TokenError::UnknownKid)));

        // Same kid, but signed with another key.
        let mut forged_header = Header::new(Algorithm::HS256);
        forged_header.kid = Some(k.kid.clone());
        let claims = verify(
            &k,
            &issue(&k, "u1", "villager", None, None, now(), 900).unwrap(),
        )
        .unwrap();
        let forged = jsonwebtoken::encode(&forged_header, &claims, &other.encoding).unwrap();
        assert!(verify(&k, &forged).is_err());

        // Payload changed after signing (villager → admin).
        let good = issue(&k, "u1", "villager", None, None, now(), 900).unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        let tampered_payload = URL_SAFE_NO_PAD.encode(payload.replace("villager", "admin"));
        let tampered = format!("{}.{}.{}", parts[0], tampered_payload, parts[2]);
        assert!(verify(&k, &tampered).is_err());

        // alg: none, with our kid and no signature.
        let none_header =
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{}"}}"#, k.kid));
        let unsigned = format!("{none_header}.{}.", parts[1]);
        assert!(verify(&k, &unsigned).is_err());

        // HS512 with the right key and kid: the algorithm is still wrong.
        let mut hs512 = Header::new(Algorithm::HS512);
        hs512.kid = Some(k.kid.clone());
        let wrong_alg = jsonwebtoken::encode(&hs512, &claims, &k.encoding).unwrap();
        assert!(verify(&k, &wrong_alg).is_err());
        assert!(verify(&k, "not.a.token").is_err());
    }
}
