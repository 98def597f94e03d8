//! The contract's rules about errors, tested over every operation it lists: a JSON body that
//! does not parse is 400 `malformed_json` and a body of another type is refused (415 where
//! the body is required), each declared;
//! and a route that needs a permission refuses a role that can never hold it (403) before it
//! reads the body, so a villager learns nothing about an admin route's body.

use cunxiang_core::{Role, may_ever};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::Value;

/// `template` with every `{name}` filled with a value of the right shape that names nothing.
fn fill(template: &str) -> String {
    template
        .replace("{region}", "360603999")
        .replace("{code}", "no-such-category")
        .replace("{id}", "00000000-0000-7000-8000-000000000000")
}

async fn send(
    srv: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &'static str,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let res = srv
        .client
        .request(method, srv.url(&fill(path)))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_json_body_answers_400_when_malformed_and_415_when_not_json(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    // Grid import reads any body as a GeoJSON document, judged feature by feature: a broken
    // one is 422 `invalid_grids` naming the problem (grid_import.rs tests it).
    let operations: Vec<_> = contract
        .json_body_operations()
        .into_iter()
        .filter(|(_, path)| path != "/v1/grids/import")
        .collect();
    assert!(operations.len() > 30, "{operations:?}");
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        for (method, path) in &operations {
            let (status, body) = send(
                &srv,
                method,
                path,
                &admin.access_token,
                "application/json",
                "{",
            )
            .await;
            assert_eq!(status, 400, "{backend:?} {method} {path}: {body}");
            assert_eq!(body["error"]["code"], "malformed_json", "{method} {path}");
            contract.check(method, path, status, &body);
            let (status, body) =
                send(&srv, method, path, &admin.access_token, "text/plain", "{}").await;
            // Routes with a required body answer 415; actions (optional body) may refuse for
            // their own reason first (404 for a made-up report). Never accepted, always declared.
            if !path.contains('{') {
                assert_eq!(status, 415, "{backend:?} {method} {path}: {body}");
            }
            assert!(
                (400..500).contains(&status),
                "{backend:?} {method} {path}: {status} {body}"
            );
            contract.check(method, path, status, &body);
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn routes_that_need_a_permission_refuse_the_wrong_role_before_the_body(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    let gated: Vec<_> = cunxiang_api::routes::endpoints()
        .into_iter()
        .filter_map(|e| Some((e.method.to_string(), e.path, e.needs?)))
        .collect();
    assert!(gated.len() >= 20, "{gated:?}");
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &["13800000031"]).await;
        let villager = srv.villager("13800000031").await;
        let worker = srv.login("gw-1").await;
        let mut refused = 0;
        for (method, path, permission) in &gated {
            for (role, token) in [
                (Role::Villager, &villager.access_token),
                (Role::GridWorker, &worker.access_token),
            ] {
                if may_ever(role, *permission) {
                    continue;
                }
                refused += 1;
                let who = role.as_str();
                let (status, body) = send(&srv, method, path, token, "application/json", "{").await;
                assert_eq!(status, 403, "{backend:?} {who} {method} {path}: {body}");
                contract.check(method, path, 403, &body);
            }
            let (status, body) = send(&srv, method, path, "not-a-token", "text/plain", "{").await;
            assert_eq!(status, 401, "{backend:?} {method} {path}: {body}");
        }
        // Both roles are refused the admin and oversight routes; the villager also stats and tasks.
        assert!(
            refused >= 2 * 20,
            "{backend:?}: only {refused} refusals checked"
        );
    }
}

/// The contract's phone pattern accepts exactly what the server takes as a phone number.
#[test]
fn the_phone_pattern_matches_what_the_server_accepts() {
    let contract = Contract::load();
    let mut cases: Vec<String> = [
        "13800000000",
        "+86 138-0000-0000",
        " 8613800000000 ",
        "138 0000 0000",
        "+8613800000000",
        "12800000000",
        "1380000000",
        "138000000000",
        "+1 3800000000",
        "86 1380000000",
        "",
        "abc",
        "１３８００００００００",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Every mix of a few prefixes, separators and digit runs.
    for prefix in ["", "+86", "86", "+", "+8 6", "0"] {
        for sep in ["", " ", "-", "--", "\t"] {
            for digits in ["13912345678", "10912345678", "1391234567", "139123456789"] {
                let spaced: Vec<String> = digits.chars().map(String::from).collect();
                cases.push(format!("{prefix}{sep}{}", spaced.join(sep)));
            }
        }
    }
    for case in cases {
        let server = cunxiang_core::identity::normalise_phone(&case).is_some();
        let contract_says = contract.schema_accepts("PhoneInput", &Value::String(case.clone()));
        assert_eq!(server, contract_says, "{case:?}");
    }
}
