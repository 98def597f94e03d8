//! This server's own address as answers spell it (`scheme://host`, for absolute URLs such as
//! Open311's discovery `url` and `media_url`), from the request itself: its `Host` and the
//! connection's scheme. `Forwarded`, `X-Forwarded-Host` and `X-Forwarded-Proto` count only when
//! the server is told it stands behind a proxy that sets them (`CUNXIANG_TRUST_PROXY`); without
//! that, anyone could make the server hand out links to a host of their choosing.

use actix_web::HttpRequest;
use actix_web::http::header;

/// `scheme://host[:port]` of this server as the request reached it; forwarded headers are
/// believed only when `trust_proxy` is on. Every absolute URL the API answers with starts here.
pub fn base_url(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let config = req.app_config();
    let scheme = if config.secure() { "https" } else { "http" };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .filter(|h| is_host(h))
        .unwrap_or_else(|| config.host());
    format!("{scheme}://{host}")
}

/// Whether `value` looks like `host[:port]` (a name, an IPv4 or a bracketed IPv6 address):
/// nothing that would change the URL's meaning (`/`, `@`, `?`, `#`, spaces).
fn is_host(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn forwarded_headers_count_only_behind_a_trusted_proxy() {
        let req = TestRequest::default()
            .insert_header(("host", "cunxiang.example:8080"))
            .insert_header(("x-forwarded-host", "evil.example"))
            .insert_header(("x-forwarded-proto", "https"))
            .insert_header(("forwarded", "host=evil2.example;proto=https"))
            .to_http_request();
        assert_eq!(base_url(&req, false), "http://cunxiang.example:8080");
        assert!(base_url(&req, true).starts_with("https://evil"));
    }

    #[test]
    fn a_host_that_is_not_a_host_is_not_echoed() {
        let req = TestRequest::default()
            .insert_header(("host", "evil.example/phish?"))
            .to_http_request();
        assert!(!base_url(&req, false).contains("evil"));
    }
}
