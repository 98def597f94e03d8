//! The webhook client's resolver: resolves a host name at delivery time and hands the
//! connector only the addresses the [`Egress`] policy permits, so the address checked is the
//! address connected to (no second look-up an attacker's DNS could answer differently). A name
//! with no permitted address fails with [`Refused`]. Address literals never reach a resolver
//! (hyper connects to them directly): `super::send` judges those first.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::push::send::egress::{Egress, Refused};

/// Resolves through the system's resolver (`getaddrinfo`, on the blocking pool) and filters.
#[derive(Debug, Clone)]
pub(super) struct Guarded {
    /// What may be called.
    pub(super) egress: Arc<Egress>,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let egress = self.egress.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|addr| egress.permits(addr.ip()))
                .collect();
            if permitted.is_empty() && !found.is_empty() {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::settings::parse_allow;

    async fn resolve(allow: &str, host: &str) -> Result<Vec<SocketAddr>, String> {
        let guarded = Guarded {
            egress: Arc::new(Egress::new(parse_allow(allow).unwrap())),
        };
        match guarded.resolve(Name::from_str(host).unwrap()).await {
            Ok(addrs) => Ok(addrs.collect()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[tokio::test]
    async fn a_name_resolving_inside_is_refused_unless_allowed() {
        assert_eq!(
            resolve("", "localhost").await,
            Err("refused by policy".into())
        );
        let allowed = resolve("127.0.0.0/8", "localhost").await.unwrap();
        assert!(!allowed.is_empty());
        assert!(
            allowed
                .iter()
                .all(|a| a.ip().is_ipv4() && a.ip().is_loopback()),
            "only the allowed addresses are handed on: {allowed:?}"
        );
    }
}
