//! The route table and `openapi.yaml` describe the same endpoints, both ways.

use cunxiang_tests::Contract;

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let mut routes: Vec<(String, String)> = cunxiang_api::routes::endpoints()
        .iter()
        .map(|e| (e.method.as_str().to_owned(), e.path.to_owned()))
        .collect();
    routes.sort();
    let documented = Contract::load().operations();
    let undocumented: Vec<_> = routes.iter().filter(|r| !documented.contains(r)).collect();
    let missing: Vec<_> = documented.iter().filter(|d| !routes.contains(d)).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.yaml: {undocumented:?}"
    );
    assert!(
        missing.is_empty(),
        "openapi.yaml documents routes the server lacks: {missing:?}"
    );
}

#[test]
#[should_panic(expected = "does not match openapi.yaml")]
fn the_checker_rejects_a_body_that_breaks_the_schema() {
    let body = serde_json::json!({ "items": [{
        "id": "01a2229c-f270-73b9-b036-533c47668dcf", "code": "360603", "name": "余江区",
        "level": "province", "parent_id": null
    }]});
    Contract::load().check("GET", "/v1/regions", 200, &body);
}

#[test]
#[should_panic(expected = "declares no JSON response 418")]
fn the_checker_rejects_an_undeclared_status() {
    Contract::load().check("GET", "/v1/regions", 418, &serde_json::json!({}));
}
