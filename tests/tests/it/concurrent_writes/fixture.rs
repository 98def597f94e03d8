//! What the burst acts on, made one request at a time before it: staff and villagers logged
//! in, regions, grids, units, categories, accounts, clients, rules and webhooks to change or
//! remove, log-in codes and refresh tokens to spend, dead deliveries to retry, and reports in
//! the state each lifecycle action needs.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use cunxiang_tests::intake::{ANNA, BAO};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, DUKOU_VILLAGE, HX_CENTRE, STAFF_PASSWORD};
use cunxiang_tests::session::session_of;
use cunxiang_tests::{Session, TestServer};
use serde_json::{Value, json};

use super::workflows::{Mediation, Walking, checklists, mediation, patrols};

/// Requests per route in the burst.
pub const N: usize = 6;
/// Villagers (and admins) of the second round; each sends [`PER_CALLER`] requests.
pub const CALLERS: usize = 8;
/// Requests each second-round caller sends at once.
pub const PER_CALLER: usize = 4;

/// A test phone (log-in code 123456): burst codes 0.., code log-ins 100.., refresh tokens
/// 200.., second-round villagers 300.., Open311 代办 400.
pub fn phone(k: usize) -> String {
    format!("1390000{k:04}")
}

/// Every phone the server must treat as a test phone.
pub fn test_phones() -> Vec<String> {
    let mut phones = vec![ANNA.to_owned(), BAO.to_owned(), phone(400)];
    for base in [0, 100, 200, 300] {
        phones.extend((0..N.max(CALLERS)).map(|k| phone(base + k)));
    }
    phones
}

/// Tokens, ids and secrets the request makers draw on.
pub struct Fixture {
    pub admin: String,
    pub hx: String,
    pub worker: String,
    pub anna: String,
    pub bao: String,
    pub village_unit: String,
    pub hx_centre: String,
    pub reply_by: String,
    /// Regions to rename (fewer than [`N`]: some are renamed by two at once).
    pub regions: Vec<String>,
    /// Unused regions to delete ([`N`] − 1: the last request deletes one already gone).
    pub doomed_regions: Vec<String>,
    pub grids: Vec<String>,
    pub units: Vec<String>,
    pub categories: Vec<String>,
    pub users: Vec<String>,
    pub clients: Vec<String>,
    pub rotated_clients: Vec<String>,
    /// `(client_id, client_secret)` for `POST /v1/auth/token`.
    pub token_client: (String, String),
    /// `client_id:client_secret` for the Open311 POST.
    pub open311_key: String,
    pub refresh_tokens: Vec<String>,
    pub rules: Vec<String>,
    pub webhooks: Vec<String>,
    pub dead_deliveries: Vec<String>,
    /// Report ids in the state each action needs, by action.
    pub reports: BTreeMap<&'static str, Vec<String>>,
    /// Mediation cases in the states the mediation routes need.
    pub mediation: Mediation,
    /// Patrol checklists of 潢溪镇 to rename and schedule, and (checklist, grid) pairs
    /// scheduled to remove ([`N`] − 1: the last request removes one already gone).
    pub checklists: Vec<String>,
    pub patrols: Vec<(String, String)>,
    /// The body starting a patrol of 渡口村网格 (the burst's worker has none under way), and
    /// patrols under way to feed points to and to finish.
    pub patrol_start: Value,
    pub walking: Walking,
    pub finishing: Walking,
    pub patrol_items: Vec<String>,
    /// Second round: villagers and admins.
    pub villagers: Vec<String>,
    pub admins: Vec<String>,
}

/// `items[i]`, wrapping: with fewer items than requests, several act on the same one.
pub fn pick(items: &[String], i: usize) -> &str {
    &items[i % items.len()]
}

/// The state each lifecycle action needs; `N − 2` reports each, so the last two requests
/// of an action race another request on the same report.
const STATES: [(&str, &str); 14] = [
    ("follow", "assigned"),
    ("accept", "assigned"),
    ("transfer", "assigned"),
    ("return", "assigned"),
    ("escalate", "assigned"),
    ("urge", "assigned"),
    ("reject", "assigned"),
    ("comment", "assigned"),
    ("supervise", "accepted"),
    ("resolve", "accepted"),
    ("supervise_reply", "supervised"),
    ("confirm", "resolved"),
    ("rate", "resolved"),
    ("reopen", "resolved"),
];

/// `POST` as `token`, which must answer 201; returns the body.
pub(super) async fn made(srv: &TestServer, token: &str, path: &str, body: Value) -> Value {
    let (status, answer) = srv.post(Some(token), path, body.clone()).await;
    assert_eq!(status, 201, "{path} {body}: {answer}");
    answer
}

pub(super) fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_owned()
}

/// Makes everything; panics when any step fails (that is a broken fixture, not a finding).
pub async fn prepare(srv: &TestServer) -> Fixture {
    let admin = srv.login("admin").await;
    let hx = srv.login("hx-supervisor").await;
    let worker = srv
        .staff_in(&admin, "cw-gw", "grid_worker", DUKOU_TEAM)
        .await;
    let anna = srv.villager(ANNA).await;
    let bao = srv.villager(BAO).await;
    let (a, h) = (admin.access_token.as_str(), hx.access_token.as_str());
    let reply_by = (Utc::now() + Duration::hours(2)).to_rfc3339();

    // A webhook that sees every prepared event, removed below: its deliveries die.
    let hook = json!({ "name": "cw-dead", "url": "https://example.com/cw-dead" });
    let dead_hook = made(srv, a, "/v1/webhooks", hook).await["webhook"]["id"].clone();

    let mut reports = BTreeMap::new();
    for (action, state) in STATES {
        let mut ids = Vec::new();
        for k in 0..N - 2 {
            let text = format!("并发测试 {action} {k}");
            let r = srv.report_at_dukou(&anna, "other", &text).await;
            let rid = id(&r);
            if state != "assigned" {
                srv.act_ok(&worker, &rid, "accept", json!({})).await;
            }
            if state == "supervised" {
                let order = json!({ "note": "请回复", "reply_by": reply_by });
                srv.act_ok(&hx, &rid, "supervise", order).await;
            }
            if state == "resolved" {
                let body = json!({ "note": "已处理" });
                srv.act_ok(&worker, &rid, "resolve", body).await;
            }
            ids.push(rid);
        }
        reports.insert(action, ids);
    }
    let path = format!("/v1/webhooks/{}", dead_hook.as_str().unwrap_or_default());
    assert_eq!(srv.delete(a, &path).await.0, 204);
    let (_, dead) = srv
        .get_as(a, &format!("/v1/deliveries?status=dead&limit={}", N - 1))
        .await;
    let dead_deliveries: Vec<String> = dead["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(dead_deliveries.len(), N - 1, "{dead}");

    let mediation = mediation(srv, &admin, &anna).await;

    let mut regions = Vec::new();
    let mut doomed_regions = Vec::new();
    for k in 0..N + 2 {
        let body = json!({ "parent": "360603102203", "name": format!("预备{k}组") });
        let r = id(&made(srv, h, "/v1/regions", body).await);
        if k < 3 {
            regions.push(r)
        } else {
            doomed_regions.push(r)
        }
    }
    doomed_regions.truncate(N - 1);

    let (_, all) = srv.get("/v1/grids?region=360603102&limit=100").await;
    let grids: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["name"] != "渡口村网格")
        .map(id)
        .take(3)
        .collect();
    assert!(!grids.is_empty(), "{all}");

    let mut units = Vec::new();
    for k in 0..3 {
        let body = json!({ "name": format!("预备站{k}"), "kind": "township_office",
                           "region": "360603102" });
        units.push(id(&made(srv, h, "/v1/units", body).await));
    }
    let mut categories = Vec::new();
    for k in 0..3 {
        let code = format!("cw_prep_{k}");
        made(srv, a, "/v1/categories", category(&code)).await;
        categories.push(code);
    }
    made(srv, a, "/v1/categories", category("cw_rules")).await;
    let hx_centre = srv.unit_id(HX_CENTRE).await;
    let mut rules = Vec::new();
    for k in 0..3 {
        let body = json!({ "category": "cw_rules", "region": format!("36060310220{k}"),
                           "unit_id": hx_centre });
        rules.push(id(&made(srv, h, "/v1/routing-rules", body).await));
    }
    let (checklists, patrols_scheduled) = checklists(srv, h, &grids).await;
    let (patrol_start, walking, finishing, patrol_items) = patrols(srv, &admin).await;
    let village_unit = srv.unit_id(DUKOU_VILLAGE).await;
    let mut users = Vec::new();
    for k in 0..3 {
        let body = json!({ "display_name": "预备", "role": "unit_staff", "username": format!("cw-prep-{k}"),
                           "password": STAFF_PASSWORD, "unit_ids": [village_unit] });
        users.push(id(&made(srv, a, "/v1/users", body).await));
    }

    let client = |name: String, scopes: Value| async move {
        let body = json!({ "name": name, "scopes": scopes, "region": "360603",
                           "rate_limit_per_minute": 100000 });
        let c = made(srv, a, "/v1/clients", body).await;
        let cid = c["client"]["client_id"].as_str().unwrap().to_owned();
        (cid, c["client_secret"].as_str().unwrap().to_owned())
    };
    let mut clients = Vec::new();
    let mut rotated_clients = Vec::new();
    for k in 0..3 {
        clients.push(
            client(format!("预备客户端{k}"), json!(["reports:read"]))
                .await
                .0,
        );
        rotated_clients.push(
            client(format!("轮换客户端{k}"), json!(["reports:read"]))
                .await
                .0,
        );
    }
    let token_client = client("取令牌".into(), json!(["reports:read"])).await;
    let scopes = json!(["reports:write", "reports:on_behalf"]);
    let (cid, secret) = client("余江区12345热线".into(), scopes).await;
    let open311_key = format!("{cid}:{secret}");

    let mut webhooks = Vec::new();
    for k in 0..N - 1 {
        let hook =
            json!({ "name": format!("预备{k}"), "url": format!("https://example.com/cw/{k}") });
        webhooks.push(
            made(srv, a, "/v1/webhooks", hook).await["webhook"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    // Log-in codes for the burst to spend, refresh tokens to rotate.
    for k in 0..N {
        let (status, body) = srv
            .post(None, "/v1/auth/otp", json!({ "phone": phone(100 + k) }))
            .await;
        assert_eq!(status, 202, "{body}");
    }
    let mut refresh_tokens = Vec::new();
    for k in 0..N - 1 {
        let session = srv.villager(&phone(200 + k)).await;
        refresh_tokens.push(session.refresh_token.unwrap());
    }

    let mut villagers = Vec::new();
    let mut admins = Vec::new();
    for k in 0..CALLERS {
        villagers.push(srv.villager(&phone(300 + k)).await.access_token);
        let username = format!("cw-admin-{k}");
        let body = json!({ "display_name": format!("管理员{k}"), "role": "admin",
                           "username": username, "password": STAFF_PASSWORD });
        made(srv, a, "/v1/users", body).await;
        let login = json!({ "username": username, "password": STAFF_PASSWORD });
        let (status, answer) = srv.post(None, "/v1/auth/login", login).await;
        assert_eq!(status, 200, "{answer}");
        admins.push(session_of(&answer).access_token);
    }

    let token = |s: &Session| s.access_token.clone();
    Fixture {
        admin: token(&admin),
        hx: token(&hx),
        worker: token(&worker),
        anna: token(&anna),
        bao: token(&bao),
        village_unit,
        hx_centre,
        reply_by,
        regions,
        doomed_regions,
        grids,
        units,
        categories,
        users,
        clients,
        rotated_clients,
        token_client,
        open311_key,
        refresh_tokens,
        rules,
        webhooks,
        dead_deliveries,
        reports,
        mediation,
        checklists,
        patrols: patrols_scheduled,
        patrol_start,
        walking,
        finishing,
        patrol_items,
        villagers,
        admins,
    }
}

/// A category definition with `code`.
pub fn category(code: &str) -> Value {
    json!({ "code": code, "name": format!("并发{code}"), "name_en": code, "start_level": "township",
            "accept_within_minutes": 60, "resolve_within_minutes": 2880,
            "evidence_required": false, "sort_order": 90 })
}
