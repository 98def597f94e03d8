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

/// The enum at `pointer` in `openapi.yaml`, as a sorted list.
fn documented_enum(contract: &Contract, pointer: &str) -> Vec<String> {
    let found = contract
        .spec()
        .pointer(pointer)
        .and_then(|v| v.as_array())
        .unwrap_or_else(|| panic!("openapi.yaml has no enum at {pointer}"));
    let mut values: Vec<String> = found
        .iter()
        .map(|v| v.as_str().expect("enum values are strings").to_owned())
        .collect();
    values.sort();
    values
}

fn sorted<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut values: Vec<String> = words.into_iter().map(str::to_owned).collect();
    values.sort();
    values
}

/// Every vocabulary the wire carries is one core enum, and `openapi.yaml` lists exactly its
/// words: a kind, status or channel added in core without the contract (or the reverse)
/// fails here.
#[test]
fn the_contract_lists_exactly_the_core_vocabularies() {
    use cunxiang_core::push::{DeliveryChannel, DeliveryStatus, Reason};
    use cunxiang_core::report::Channel;
    use cunxiang_core::supervision::OrderStatus;
    use cunxiang_core::{
        ClientScope, EventKind, OrgEventKind, RegionLevel, ReportStatus, Role, UnitKind, Workflow,
    };
    let contract = Contract::load();
    let schemas = "/components/schemas";
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            format!("{schemas}/EventKind/enum"),
            sorted(EventKind::ALL.iter().map(|k| k.as_str())),
        ),
        (
            format!("{schemas}/OrgEventKind/enum"),
            sorted(OrgEventKind::ALL.iter().map(|k| k.as_str())),
        ),
        (
            format!("{schemas}/Report/properties/status/enum"),
            sorted(ReportStatus::ALL.iter().map(|s| s.as_str())),
        ),
        (
            format!("{schemas}/StreamMessage/properties/report/properties/status/enum"),
            sorted(ReportStatus::ALL.iter().map(|s| s.as_str())),
        ),
        (
            format!("{schemas}/WebhookEvent/properties/report/properties/status/enum"),
            sorted(ReportStatus::ALL.iter().map(|s| s.as_str())),
        ),
        (
            format!("{schemas}/StreamMessage/properties/reason/enum"),
            sorted(Reason::ALL.iter().map(|r| r.as_str())),
        ),
        (
            format!("{schemas}/DeliveryChannel/enum"),
            sorted(DeliveryChannel::ALL.iter().map(|c| c.as_str())),
        ),
        (
            format!("{schemas}/DeliveryStatus/enum"),
            sorted(DeliveryStatus::ALL.iter().map(|s| s.as_str())),
        ),
        (
            format!("{schemas}/SupervisionOrder/properties/status/enum"),
            sorted(OrderStatus::ALL.iter().map(|s| s.as_str())),
        ),
        (
            format!("{schemas}/ClientScope/enum"),
            sorted(ClientScope::ALL.iter().map(|s| s.as_str())),
        ),
        (
            format!("{schemas}/Report/properties/channel/enum"),
            sorted(Channel::ALL.iter().map(|c| c.as_str())),
        ),
        (
            format!("{schemas}/Role/enum"),
            sorted(Role::ALL.iter().map(|r| r.as_str())),
        ),
        (
            format!("{schemas}/RegionLevel/enum"),
            sorted(RegionLevel::ALL.iter().map(|l| l.as_str())),
        ),
        (
            format!("{schemas}/UnitKind/enum"),
            sorted(UnitKind::ALL.iter().map(|k| k.as_str())),
        ),
        (
            format!("{schemas}/Workflow/enum"),
            sorted(Workflow::ALL.iter().map(|w| w.as_str())),
        ),
        (
            format!("{schemas}/Frequency/enum"),
            sorted(
                cunxiang_core::patrol::Frequency::ALL
                    .iter()
                    .map(|f| f.as_str()),
            ),
        ),
        (
            format!("{schemas}/MarkResult/enum"),
            sorted(
                cunxiang_core::patrol::MarkResult::ALL
                    .iter()
                    .map(|r| r.as_str()),
            ),
        ),
        (
            format!("{schemas}/PartyRole/enum"),
            sorted(
                cunxiang_core::mediation::PartyRole::ALL
                    .iter()
                    .map(|r| r.as_str()),
            ),
        ),
    ];
    for (pointer, core) in cases {
        assert_eq!(documented_enum(&contract, &pointer), core, "{pointer}");
    }
}

/// `error.code` is one closed vocabulary: `openapi.yaml`'s `ErrorCode` lists exactly the API's
/// [`ErrorCode`](cunxiang_api::error::ErrorCode) words, so a code added on either side alone
/// fails here (and the response checks refuse any code the contract does not list).
#[test]
fn the_contract_lists_exactly_the_error_codes() {
    use cunxiang_api::error::ErrorCode;
    let contract = Contract::load();
    assert_eq!(
        documented_enum(&contract, "/components/schemas/ErrorCode/enum"),
        sorted(ErrorCode::ALL.iter().map(|c| c.as_str()))
    );
}
