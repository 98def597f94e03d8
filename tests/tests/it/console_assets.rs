//! The console's and the villager page's files as the binary serves them: embedded, under a strict
//! Content-Security-Policy, revalidated by ETag, with no inline script in any page, every
//! module a page imports present, nothing outside `api/web` reachable, and the vendored
//! ECharts with its licence.

use cunxiang_tests::{Backend, TestServer};
use reqwest::StatusCode;

const PAGES: [&str; 2] = ["/console/", "/h5/"];

async fn get(srv: &TestServer, path: &str) -> reqwest::Response {
    srv.client.get(srv.url(path)).send().await.expect("GET")
}

#[tokio::test]
async fn the_console_is_served_under_a_strict_policy() {
    let srv = TestServer::start(Backend::Sqlite).await;
    for page in PAGES {
        let res = get(&srv, page).await;
        assert_eq!(res.status(), StatusCode::OK, "{page}");
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let csp = header("content-security-policy");
        for rule in [
            "default-src 'none'",
            "script-src 'self';",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(rule), "{page}: {rule} in {csp}");
        }
        assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src 'self' 'unsafe-inline'"));
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert!(header("content-type").starts_with("text/html; charset=utf-8"));
        let etag = header("etag");
        let html = res.text().await.unwrap();
        assert!(html.contains("lang=\"zh-CN\""), "{html}");
        // Every <script> has a src: nothing inline.
        for tag in html.split("<script").skip(1) {
            let open = tag.split('>').next().unwrap_or_default();
            assert!(
                open.contains("src="),
                "an inline script in {page}: <script{open}>"
            );
        }
        let again = srv
            .client
            .get(srv.url(page))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(
            again.status(),
            StatusCode::NOT_MODIFIED,
            "{page} revalidates by ETag"
        );
    }
}

#[tokio::test]
async fn every_module_the_console_imports_is_there() {
    let srv = TestServer::start(Backend::Sqlite).await;
    let mut todo = vec!["/console/js/app.js".to_owned(), "/h5/js/app.js".to_owned()];
    let mut seen = Vec::new();
    while let Some(path) = todo.pop() {
        if seen.contains(&path) {
            continue;
        }
        let res = get(&srv, &path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path} (imported)");
        let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("text/javascript"), "{path}: {kind}");
        let text = res.text().await.unwrap();
        if !path.contains("/vendor/") {
            for import in text.lines().filter_map(|l| l.split(" from '").nth(1)) {
                let target = import.split('\'').next().unwrap();
                let base = url::Url::parse(&srv.url(&path)).unwrap();
                todo.push(base.join(target).unwrap().path().to_owned());
            }
        }
        seen.push(path);
    }
    assert!(
        seen.iter().any(|p| p.ends_with("echarts.min.mjs")),
        "{seen:?}"
    );
    assert!(seen.len() >= 8, "{seen:?}");
    assert!(seen.iter().any(|p| p == "/h5/cunxiang.js"), "{seen:?}");
    let licence = get(&srv, "/static/vendor/echarts/LICENSE").await;
    assert_eq!(licence.status(), StatusCode::OK);
    assert!(licence.text().await.unwrap().contains("Apache License"));
}

#[tokio::test]
async fn nothing_outside_the_screens_is_reachable() {
    let srv = TestServer::start(Backend::Sqlite).await;
    for path in [
        "/console/nope.js",
        "/h5/nope.js",
        "/h5/..%2f..%2fCargo.toml",
        "/static/console/index.html",
        "/static/vendor/../../Cargo.toml",
        "/console/..%2f..%2fCargo.toml",
        "/static/%2e%2e/screens.rs",
    ] {
        let res = get(&srv, path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let h5 = srv.client.get(srv.url("/h5")).send().await.unwrap();
    assert_eq!(h5.url().path(), "/h5/", "/h5 redirects to the page");
    let root = srv.client.get(srv.url("/console")).send().await.unwrap();
    assert_eq!(
        root.url().path(),
        "/console/",
        "/console redirects to the page"
    );
}
