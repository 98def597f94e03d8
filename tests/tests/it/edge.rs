//! The edge rule (issue 16, item 1): a control character in any input is refused before it
//! can reach a database — identically on SQLite and PostgreSQL (which answered 500 `invalid
//! byte sequence for encoding "UTF8": 0x00`). Exhaustive over the contract: every string input
//! `openapi.yaml` declares × several control characters × no token, a villager and the admin;
//! then the Open311 façade's inputs, which the contract does not describe.

use cunxiang_tests::inputs::{Body, Place, encode};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};

/// Refused in every input: NUL, ESC, DEL and a C1 control (NEL).
const EVERYWHERE: [&str; 4] = ["a\u{0}b", "a\u{1b}b", "a\u{7f}b", "a\u{85}b"];
/// Refused in paths and query strings only (text in bodies may span lines).
const LINE_BREAKS: [&str; 2] = ["a\nb", "a\tb"];

const PHONE: &str = "13900000016";

async fn send(
    srv: &TestServer,
    probe: &cunxiang_tests::inputs::Probe,
    token: Option<&str>,
) -> (u16, String) {
    let method = Method::from_bytes(probe.method.as_bytes()).unwrap();
    let mut req = srv.client.request(method, srv.url(&probe.url));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req = match &probe.body {
        None => req,
        Some(Body::Json(v)) => req.json(v),
        Some(Body::Form(fields)) => req.form(fields),
        Some(Body::Multipart(fields)) => {
            let mut form = reqwest::multipart::Form::new();
            for (n, v) in fields {
                form = form.text(n.clone(), v.clone());
            }
            req.multipart(form)
        }
    };
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_string_input_of_the_contract_refuses_control_characters(#[case] backend: Backend) {
    let contract = Contract::load();
    let inputs = contract.string_inputs();
    // The walk must find the inputs the issue names, or it proves nothing.
    for (path, name) in [
        ("/v1/auth/login", "username"),
        ("/v1/auth/token", "client_id"),
        ("/v1/reports", "description"),
        ("/v1/reports", "status"),
        ("/v1/categories/{code}", "code"),
        ("/v1/reports/{id}/comment", "note"),
    ] {
        assert!(
            inputs.iter().any(|i| i.path == path && i.name == name),
            "the walk missed {path} {name}"
        );
    }
    assert!(
        inputs.len() > 100,
        "only {} string inputs found",
        inputs.len()
    );
    let error = contract.deref(&json!({ "$ref": "#/components/schemas/Error" }));
    let shape = jsonschema::options()
        .build(&json!({ "components": contract.spec()["components"], "allOf": [error] }))
        .unwrap();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[PHONE]).await;
        let admin = srv.login("admin").await.access_token;
        let villager = srv.villager(PHONE).await.access_token;
        let mut wrong = Vec::new();
        let mut sent = 0;
        for input in &inputs {
            let in_body = !matches!(input.place, Place::Path | Place::Query);
            let values = EVERYWHERE
                .iter()
                .chain(if in_body { &[][..] } else { &LINE_BREAKS[..] });
            for value in values {
                let probe = input.probe(&contract, value);
                // Paths and query strings are refused before anything else; a body when the
                // route reads it, which may come after it authenticated the caller (no token:
                // 401, a villager on an admin route: 403). The admin may call every route, so
                // her answer is always the refusal.
                let callers = [
                    (None, Some((401, "unauthenticated"))),
                    (Some(villager.as_str()), Some((403, "forbidden"))),
                    (Some(admin.as_str()), None),
                ];
                for (token, caller_refusal) in callers {
                    let (status, text) = send(&srv, &probe, token).await;
                    sent += 1;
                    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    let want = if in_body { 422 } else { 400 };
                    let refused_here =
                        status == want && body["error"]["code"] == "control_character";
                    let caller_first = in_body
                        && caller_refusal
                            .is_some_and(|(s, c)| status == s && body["error"]["code"] == c);
                    let ok = (refused_here || caller_first) && shape.is_valid(&body);
                    if !ok {
                        wrong.push(format!(
                            "{} {value:?} token={}: {status} {}",
                            input.label(),
                            token.is_some(),
                            text.chars().take(160).collect::<String>()
                        ));
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{backend:?}: {} of {sent} probes were not refused at the edge:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn line_breaks_and_tabs_stay_allowed_in_body_text(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[PHONE]).await;
        let villager = srv.villager(PHONE).await;
        let text = "路灯不亮\n第二行\t制表\r\n村口 é 🙂";
        let report = srv.report_at_dukou(&villager, "garbage", text).await;
        assert_eq!(report["description"], text, "{report}");
        // An escaped line break is the same text.
        let (status, body) = srv
            .post(
                None,
                "/v1/auth/login",
                json!({ "username": "adm\u{a}in", "password": "x" }),
            )
            .await;
        assert_eq!(status, 401, "{body}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_compressed_body_is_checked_as_the_handler_reads_it(#[case] backend: Backend) {
    use std::io::Write;
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(br#"{"username":"a\u0000b","password":"x"}"#)
            .unwrap();
        let res = srv
            .client
            .post(srv.url("/v1/auth/login"))
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(gz.finish().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "control_character", "{body}");
    }
}

/// An Open311 error: 400, `[{code: 400, description}]` (XML `<errors>` for `.xml`).
fn open311_refusal(status: u16, kind: &str, text: &str, format: &str) -> Result<(), String> {
    let ok = status == 400
        && match format {
            "xml" => {
                kind.starts_with("text/xml")
                    && text.contains("<errors>")
                    && text.contains("<code>400</code>")
            }
            _ => serde_json::from_str::<Value>(text).is_ok_and(|v| {
                v[0]["code"] == 400
                    && v[0]["description"]
                        .as_str()
                        .is_some_and(|d| d.contains("control character"))
            }),
        };
    if ok {
        Ok(())
    } else {
        Err(format!("{status} {kind} {text}"))
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_open311_input_refuses_control_characters_in_open311_shape(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await.access_token;
        let (status, created) = srv
            .post(
                Some(&admin),
                "/v1/clients",
                json!({ "name": "热线", "scopes": ["reports:write"], "region": "360603" }),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let key = format!(
            "{}:{}",
            created["client"]["client_id"].as_str().unwrap(),
            created["client_secret"].as_str().unwrap()
        );
        let mut wrong = Vec::new();
        for value in EVERYWHERE {
            let v = encode(value);
            for format in ["json", "xml"] {
                let gets = [
                    format!("/open311/v2/services/{v}.{format}"),
                    format!("/open311/v2/requests/{v}.{format}"),
                    format!("/open311/v2/tokens/{v}.{format}"),
                    format!("/open311/v2/services.{format}?jurisdiction_id={v}"),
                    format!("/open311/v2/requests.{format}?service_code={v}"),
                    format!("/open311/v2/requests.{format}?status={v}"),
                    format!("/open311/v2/requests.{format}?start_date={v}"),
                    format!("/open311/v2/requests.{format}?end_date={v}"),
                    format!("/open311/v2/requests.{format}?service_request_id={v}"),
                ];
                for url in gets {
                    let res = srv.client.get(srv.url(&url)).send().await.unwrap();
                    let (status, kind) = (res.status().as_u16(), content_type(&res));
                    let text = res.text().await.unwrap();
                    if let Err(e) = open311_refusal(status, &kind, &text, format) {
                        wrong.push(format!("GET {url}: {e}"));
                    }
                }
                let fields = [
                    "api_key",
                    "service_code",
                    "description",
                    "lat",
                    "long",
                    "address_string",
                    "phone",
                    "email",
                    "first_name",
                    "last_name",
                    "device_id",
                    "account_id",
                    "media_url",
                    "attribute[size]",
                ];
                for field in fields {
                    let mut form: Vec<(&str, &str)> = vec![
                        ("api_key", &key),
                        ("service_code", "garbage"),
                        ("lat", "28.2"),
                        ("long", "116.9"),
                        ("description", "x"),
                    ];
                    form.retain(|(n, _)| *n != field);
                    form.push((field, value));
                    let url = srv.url(&format!("/open311/v2/requests.{format}"));
                    for multipart in [false, true] {
                        let req = srv.client.post(&url);
                        let req = if multipart {
                            let mut parts = reqwest::multipart::Form::new();
                            for (n, v) in &form {
                                parts = parts.text(n.to_string(), v.to_string());
                            }
                            req.multipart(parts)
                        } else {
                            req.form(&form)
                        };
                        let res = req.send().await.unwrap();
                        let (status, kind) = (res.status().as_u16(), content_type(&res));
                        let text = res.text().await.unwrap();
                        if let Err(e) = open311_refusal(status, &kind, &text, format) {
                            wrong.push(format!(
                                "POST {format} {field} multipart={multipart} {value:?}: {e}"
                            ));
                        }
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{backend:?}:\n{}", wrong.join("\n"));
    }
}

fn content_type(res: &reqwest::Response) -> String {
    res.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
