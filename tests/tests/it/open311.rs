//! The Open311 GeoReport v2 façade, read side: discovery, services, service definitions and
//! service requests in JSON (checked against the community's schemas in `tests/open311/`) and
//! XML (parsed, checked for the spec's element names), and the spec's error shape for bad
//! input — on both databases.

use cunxiang_tests::intake::{ANNA, DUKOU};
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// The schema `name` from `tests/open311/`, with its `$ref`s to sibling files inlined.
fn schema(name: &str) -> Value {
    let path = format!("{}/open311/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut value: Value = serde_json::from_str(&text).unwrap();
    if let Some(items) = value.get_mut("items")
        && let Some(reference) = items.get("$ref").and_then(Value::as_str)
    {
        *items = schema(reference);
    }
    value
}

/// Panics unless `body` matches the schema `name`.
pub fn valid(name: &str, body: &Value) {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema(name))
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\nbody: {body}");
}

/// `GET path`: status, content type and body text.
pub async fn fetch(srv: &TestServer, path: &str) -> (u16, String, String) {
    let res = srv.client.get(srv.url(path)).send().await.unwrap();
    cunxiang_tests::session::json_names_utf8(res.headers());
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, res.text().await.unwrap())
}

/// Parses an XML answer, checks its declaration and root, and returns the names of the root's
/// children and the text of every element named `leaf` anywhere.
pub fn xml(text: &str, root: &str, leaf: &str) -> (Vec<String>, Vec<String>) {
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{text}"
    );
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(doc.root_element().tag_name().name(), root, "{text}");
    let children = doc
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name().to_owned())
        .collect();
    let leaves = doc
        .descendants()
        .filter(|n| n.tag_name().name() == leaf)
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect();
    (children, leaves)
}

/// Asserts the spec's error shape in JSON for `path`, and in XML for its `.xml` twin.
pub fn is_error(status: u16, kind: &str, text: &str, want: u16) {
    assert_eq!(status, want, "{text}");
    if kind.contains("xml") {
        let (children, codes) = xml(text, "errors", "code");
        assert_eq!(children, ["error"]);
        assert_eq!(codes, [want.to_string()]);
        assert!(text.contains("<description>"), "{text}");
    } else {
        assert!(kind.starts_with("application/json"), "{kind}");
        let body: Value = serde_json::from_str(text).unwrap();
        assert_eq!(body[0]["code"], want, "{body}");
        assert!(body[0]["description"].is_string(), "{body}");
        assert_eq!(body.as_array().unwrap().len(), 1);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn discovery_services_and_definitions_in_both_formats(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, kind, text) = fetch(&srv, "/open311/v2/discovery.json").await;
        assert_eq!(status, 200, "{backend:?}: {text}");
        assert!(kind.starts_with("application/json"));
        let body: Value = serde_json::from_str(&text).unwrap();
        assert!(
            body["endpoints"][0]["url"]
                .as_str()
                .unwrap()
                .ends_with("/open311/v2")
        );
        let (_, kind, text) = fetch(&srv, "/open311/v2/discovery.xml").await;
        assert!(kind.starts_with("text/xml"), "{kind}");
        let (children, formats) = xml(&text, "discovery", "format");
        assert!(children.contains(&"endpoints".to_owned()), "{children:?}");
        assert_eq!(formats, ["application/json", "text/xml"]);

        let (status, _, text) = fetch(&srv, "/open311/v2/services.json").await;
        assert_eq!(status, 200, "{text}");
        let services: Value = serde_json::from_str(&text).unwrap();
        valid("services.json", &services);
        let codes: Vec<&str> = services
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["service_code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"garbage"), "{codes:?}");
        let (status, _, text) = fetch(&srv, "/open311/v2/services.xml").await;
        assert_eq!(status, 200);
        let (children, xml_codes) = xml(&text, "services", "service_code");
        assert!(children.iter().all(|c| c == "service"));
        assert_eq!(xml_codes, codes);

        let (status, _, text) = fetch(&srv, "/open311/v2/services/garbage.json").await;
        assert_eq!(status, 200, "{text}");
        let definition: Value = serde_json::from_str(&text).unwrap();
        valid("service-definition.json", &definition);
        assert_eq!(definition["service_code"], "garbage");
        let (_, _, text) = fetch(&srv, "/open311/v2/services/garbage.xml").await;
        let (children, _) = xml(&text, "service_definition", "service_code");
        assert_eq!(children, ["attributes", "service_code"]);

        for (path, want) in [
            ("/open311/v2/services/no_such.json", 404),
            ("/open311/v2/services/no_such.xml", 404),
            ("/open311/v2/services.txt", 400),
            ("/open311/v2/services/garbage.yaml", 400),
            ("/open311/v2/requests.csv", 400),
            ("/open311/v2/nothing.json", 404),
            ("/open311/v2/nothing/here.xml", 404),
        ] {
            let (status, kind, text) = fetch(&srv, path).await;
            is_error(status, &kind, &text, want);
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn requests_are_listed_filtered_and_read_one_by_one(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let garbage = srv
            .report_at_dukou(&anna, "garbage", "路边垃圾堆 <很多>")
            .await;
        let id = garbage["id"].as_str().unwrap().to_owned();
        // A private category (neighbour dispute) never shows on the anonymous façade.
        let body = json!({ "category": "dispute", "description": "邻里纠纷",
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let key = uuid::Uuid::now_v7().to_string();
        let (status, dispute) = srv.report(&anna.access_token, Some(&key), &body).await;
        assert_eq!(status, 201, "{dispute}");

        let (status, _, text) = fetch(&srv, "/open311/v2/requests.json").await;
        assert_eq!(status, 200, "{backend:?}: {text}");
        let list: Value = serde_json::from_str(&text).unwrap();
        valid("requests.json", &list);
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [id.as_str()], "{list}");
        let one = &list[0];
        assert_eq!(one["status"], "open");
        assert_eq!(one["service_code"], "garbage");
        assert_eq!(one["agency_responsible"], "渡口村网格工作组");
        assert!(one["expected_datetime"].is_string(), "{one}");
        assert!(one["requested_datetime"].as_str().unwrap().ends_with('Z'));
        assert_eq!(one["lat"].as_f64().unwrap(), DUKOU.0);

        let (_, _, text) = fetch(&srv, "/open311/v2/requests.xml").await;
        let (children, xml_ids) = xml(&text, "service_requests", "service_request_id");
        assert_eq!(children, ["request"]);
        assert_eq!(xml_ids, [id.as_str()]);
        assert!(text.contains("&lt;很多&gt;"), "{text}");

        let (status, _, text) = fetch(&srv, &format!("/open311/v2/requests/{id}.json")).await;
        assert_eq!(status, 200, "{text}");
        let single: Value = serde_json::from_str(&text).unwrap();
        valid("requests.json", &single);
        assert_eq!(single[0]["service_request_id"], id.as_str());
        let (_, _, text) = fetch(&srv, &format!("/open311/v2/requests/{id}.xml")).await;
        xml(&text, "service_requests", "service_request_id");
        let dispute_id = dispute["id"].as_str().unwrap();
        let (status, kind, text) =
            fetch(&srv, &format!("/open311/v2/requests/{dispute_id}.json")).await;
        is_error(status, &kind, &text, 404);

        // Filters: each narrows to the report or away from it.
        let now = chrono::Utc::now();
        let hour = chrono::Duration::hours(1);
        let stamp =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (before, after) = (stamp(now - hour), stamp(now + hour));
        for (query, expect) in [
            ("service_code=garbage".to_owned(), 1),
            ("service_code=road".to_owned(), 0),
            ("status=open".to_owned(), 1),
            ("status=closed".to_owned(), 0),
            ("status=open,closed".to_owned(), 1),
            (format!("start_date={before}&end_date={after}"), 1),
            (format!("start_date={after}"), 0),
            (format!("end_date={before}"), 0),
            (
                format!("service_request_id={id},{dispute_id}&status=closed"),
                1,
            ),
        ] {
            let query = query.replace('+', "%2B");
            let (status, _, text) =
                fetch(&srv, &format!("/open311/v2/requests.json?{query}")).await;
            assert_eq!(status, 200, "{query}: {text}");
            let list: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(list.as_array().unwrap().len(), expect, "{query}: {list}");
        }

        // Bad input: the spec's errors, JSON and XML.
        for (path, want) in [
            (
                "/open311/v2/requests.json?service_code=no_such".to_owned(),
                404,
            ),
            (
                "/open311/v2/requests.xml?start_date=yesterday".to_owned(),
                400,
            ),
            (
                "/open311/v2/requests.json?end_date=2026-13-01T00:00:00Z".to_owned(),
                400,
            ),
            (
                format!("/open311/v2/requests.json?start_date={after}&end_date={before}"),
                400,
            ),
            ("/open311/v2/requests.xml?status=pending".to_owned(), 400),
            (
                "/open311/v2/requests.json?service_request_id=nope".to_owned(),
                400,
            ),
            ("/open311/v2/requests/nope.xml".to_owned(), 404),
            ("/open311/v2/tokens/nope.json".to_owned(), 404),
        ] {
            let (status, kind, text) = fetch(&srv, &path).await;
            is_error(status, &kind, &text, want);
        }

        // Reports are made at once: a token is the request id.
        let (status, _, text) = fetch(&srv, &format!("/open311/v2/tokens/{id}.json")).await;
        assert_eq!(status, 200, "{text}");
        let tokens: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(tokens, json!([{ "token": id, "service_request_id": id }]));
        let (_, _, text) = fetch(&srv, &format!("/open311/v2/tokens/{id}.xml")).await;
        let (_, found) = xml(&text, "service_requests", "service_request_id");
        assert_eq!(found, [id.as_str()]);
    }
}
