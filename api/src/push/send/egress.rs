//! Where webhook calls may go: no address inside the network unless the operator allows it
//! (`CUNXIANG_WEBHOOK_ALLOW`). [`forbidden`] classifies one address against the table below;
//! [`Egress`] adds the allow-list and checks URLs whose host is an address literal. Names are
//! checked after they are resolved, by the webhook client's resolver
//! (`super::webhook::resolve`), which hands on only permitted addresses: the address checked is
//! the address connected to, so a name that changes its answer (DNS rebinding) gains nothing.
//!
//! Refused (the ranges of the IANA special-purpose registries that are not globally
//! reachable, plus multicast):
//!
//! | IPv4 | |
//! |---|---|
//! | `0.0.0.0/8` | "this network", unspecified |
//! | `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` | private (RFC 1918) |
//! | `100.64.0.0/10` | shared / CGNAT (RFC 6598; cloud metadata such as 100.100.100.200) |
//! | `127.0.0.0/8` | loopback |
//! | `169.254.0.0/16` | link-local (cloud metadata 169.254.169.254) |
//! | `192.0.0.0/24` | IETF protocol assignments |
//! | `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24` | documentation |
//! | `198.18.0.0/15` | benchmarking |
//! | `224.0.0.0/4`, `240.0.0.0/4` (with `255.255.255.255`) | multicast, reserved and broadcast |
//!
//! | IPv6 | |
//! |---|---|
//! | `::/128`, `::1/128` | unspecified, loopback |
//! | `::ffff:0:0/96` | IPv4-mapped: judged as the IPv4 address inside |
//! | `::/96` | IPv4-compatible (deprecated): all refused |
//! | `64:ff9b::/96` | NAT64: judged as the IPv4 address inside |
//! | `64:ff9b:1::/48` | local-use NAT64 |
//! | `100::/64` | discard-only |
//! | `2001::/32`, `2001:2::/48`, `2001:db8::/32` | Teredo, benchmarking, documentation |
//! | `2002::/16` | 6to4: judged as the IPv4 address inside |
//! | `fc00::/7` | unique-local |
//! | `fe80::/10`, `fec0::/10` | link-local, site-local (deprecated) |
//! | `ff00::/8` | multicast |

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use url::{Host, Url};

/// What a refused delivery records, and nothing more: no address, port or connection detail.
pub const REFUSED_BY_POLICY: &str = "refused by policy";

/// The IPv4 ranges refused, each with what it is.
const V4: &[(Ipv4Net, &str)] = &[
    (v4(0, 0, 0, 0, 8), "unspecified"),
    (v4(10, 0, 0, 0, 8), "private"),
    (v4(100, 64, 0, 0, 10), "shared (CGNAT)"),
    (v4(127, 0, 0, 0, 8), "loopback"),
    (v4(169, 254, 0, 0, 16), "link-local"),
    (v4(172, 16, 0, 0, 12), "private"),
    (v4(192, 0, 0, 0, 24), "reserved"),
    (v4(192, 0, 2, 0, 24), "documentation"),
    (v4(192, 168, 0, 0, 16), "private"),
    (v4(198, 18, 0, 0, 15), "benchmarking"),
    (v4(198, 51, 100, 0, 24), "documentation"),
    (v4(203, 0, 113, 0, 24), "documentation"),
    (v4(224, 0, 0, 0, 4), "multicast"),
    (v4(240, 0, 0, 0, 4), "reserved or broadcast"),
];

/// The IPv6 ranges refused outright (the ones that embed an IPv4 address are in [`forbidden`]).
const V6: &[(Ipv6Net, &str)] = &[
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 128), "unspecified"),
    (v6([0, 0, 0, 0, 0, 0, 0, 1], 128), "loopback"),
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 96), "IPv4-compatible"),
    (v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), "local-use NAT64"),
    (v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64), "discard-only"),
    (v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32), "Teredo"),
    (v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48), "benchmarking"),
    (v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), "documentation"),
    (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), "unique-local"),
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), "link-local"),
    (v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10), "site-local"),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), "multicast"),
];

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

const fn v6(s: [u16; 8], len: u8) -> Ipv6Net {
    Ipv6Net::new_assert(
        Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
        len,
    )
}

/// What kind of inside address `ip` is (`"loopback"`, `"private"` …), or `None` when it is
/// reachable from the internet and webhooks may call it.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => V4
            .iter()
            .find(|(net, _)| net.contains(&ip))
            .map(|(_, k)| *k),
        IpAddr::V6(ip) => {
            if let Some(inside) = embedded_v4(ip) {
                return forbidden(IpAddr::V4(inside));
            }
            V6.iter()
                .find(|(net, _)| net.contains(&ip))
                .map(|(_, k)| *k)
        }
    }
}

/// The IPv4 address a mapped (`::ffff:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4
/// (`2002:AABB:CCDD::/48`) address leads to.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let [a, b, c, d] = ip.octets()[12..] else {
        return None;
    };
    let low = Ipv4Addr::new(a, b, c, d);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))),
        _ => None,
    }
}

/// A delivery refused because its destination is inside the network; its text is
/// [`REFUSED_BY_POLICY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("refused by policy")]
pub struct Refused;

/// The egress policy of webhook calls: [`forbidden`] addresses are refused unless the
/// allow-list names them.
#[derive(Debug, Clone, Default)]
pub struct Egress {
    allow: Vec<IpNet>,
}

impl Egress {
    /// The policy with `allow` as its exceptions.
    pub fn new(allow: Vec<IpNet>) -> Self {
        Egress { allow }
    }

    /// Why `ip` may not be called (the kind of address, see [`forbidden`]), or `None`. An
    /// IPv4-mapped address is judged as its IPv4 address, against the allow-list too.
    pub fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        let ip = ip.to_canonical();
        let kind = forbidden(ip)?;
        (!self.allow.iter().any(|net| net.contains(&ip))).then_some(kind)
    }

    /// Whether webhooks may call `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.refusal(ip).is_none()
    }

    /// Why `url` may not be called when its host is an address literal (`None` for a name:
    /// names are judged once resolved). `url::Url` has already read the other spellings of an
    /// IPv4 address (`0x7f.1`, `2130706433` …) as the address they stand for.
    pub fn literal_refusal(&self, url: &Url) -> Option<&'static str> {
        match url.host()? {
            Host::Ipv4(ip) => self.refusal(IpAddr::V4(ip)),
            Host::Ipv6(ip) => self.refusal(IpAddr::V6(ip)),
            Host::Domain(_) => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn kind(ip: &str) -> Option<&'static str> {
        forbidden(ip.parse().unwrap())
    }

    #[test]
    fn inside_ipv4_addresses_are_refused_and_public_ones_pass() {
        for (ip, want) in [
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.100.100.200", "shared (CGNAT)"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("255.255.255.255", "reserved or broadcast"),
            ("224.0.0.1", "multicast"),
            ("192.0.2.10", "documentation"),
            ("198.18.0.1", "benchmarking"),
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "172.15.255.255",
            "100.128.0.1",
            "169.255.0.1",
            "11.0.0.1",
            "223.255.255.255",
        ] {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }

    #[test]
    fn inside_ipv6_addresses_are_refused_and_public_ones_pass() {
        for (ip, want) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("febf:ffff::1", "link-local"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("::8.8.8.8", "IPv4-compatible"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("fec0::1", "site-local"),
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
        for ip in ["2400:3200::1", "2606:4700:4700::1111", "2a00:1450:4001::1"] {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_of_ipv4_addresses_are_judged_as_the_ipv4_address() {
        for (ip, want) in [
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:7f00:1", Some("loopback")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("::ffff:10.0.0.1", Some("private")),
            ("64:ff9b::10.0.0.1", Some("private")),
            ("64:ff9b::a9fe:a9fe", Some("link-local")),
            ("2002:7f00:1::", Some("loopback")),
            ("2002:c0a8:101::1", Some("private")),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::8.8.8.8", None),
            ("2002:808:808::1", None),
        ] {
            assert_eq!(kind(ip), want, "{ip}");
        }
    }

    #[test]
    fn the_allow_list_names_exceptions_also_for_mapped_forms() {
        let egress =
            Egress::new(crate::settings::parse_allow("127.0.0.1, 10.0.0.0/8,fd00::/8").unwrap());
        let permits = |ip: &str| egress.permits(ip.parse().unwrap());
        assert!(permits("127.0.0.1"));
        assert!(permits("::ffff:127.0.0.1"));
        assert!(!permits("127.0.0.2"));
        assert!(!permits("::1"));
        assert!(permits("10.200.0.1"));
        assert!(permits("fd00::5"));
        assert!(!permits("169.254.169.254"));
        assert!(permits("8.8.8.8"));
        assert!(Egress::default().refusal("127.0.0.1".parse().unwrap()) == Some("loopback"));
    }

    #[test]
    fn allow_lists_are_cidrs_or_addresses() {
        assert_eq!(crate::settings::parse_allow("").unwrap(), vec![]);
        assert_eq!(
            crate::settings::parse_allow("10.1.2.3/8").unwrap(),
            vec!["10.0.0.0/8".parse::<IpNet>().unwrap()]
        );
        assert_eq!(
            crate::settings::parse_allow("10.0.0.0/8,localhost"),
            Err("localhost".into())
        );
        assert_eq!(
            crate::settings::parse_allow("10.0.0.0/33"),
            Err("10.0.0.0/33".into())
        );
    }

    #[test]
    fn literal_hosts_of_urls_are_judged_in_every_spelling() {
        let egress = Egress::default();
        let refusal = |url: &str| egress.literal_refusal(&Url::parse(url).unwrap());
        assert_eq!(
            refusal("http://169.254.169.254/latest/meta-data/"),
            Some("link-local")
        );
        assert_eq!(refusal("http://127.0.0.1:8080/"), Some("loopback"));
        assert_eq!(refusal("http://10.0.0.7/hook"), Some("private"));
        assert_eq!(refusal("http://[::ffff:127.0.0.1]/"), Some("loopback"));
        assert_eq!(refusal("http://0x7f.1/"), Some("loopback"));
        assert_eq!(refusal("http://2130706433/"), Some("loopback"));
        assert_eq!(refusal("http://[::]/"), Some("unspecified"));
        assert_eq!(refusal("https://partner.example/hook"), None);
        assert_eq!(refusal("https://8.8.8.8/hook"), None);
    }
}
