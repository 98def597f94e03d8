//! The table: every write route (as `cunxiang_api::routes::endpoints()` spells it, plus the
//! Open311 POST) with a maker of its `i`-th burst request — a valid body, sent by someone
//! allowed to write there — and the sending of one request.

use cunxiang_tests::TestServer;
use cunxiang_tests::intake::{DUKOU, dukou_photo};
use cunxiang_tests::lifecycle::STAFF_PASSWORD;
use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Fixture, N, category, phone, pick};

/// How a request carries its body.
pub enum Body {
    Empty,
    Json(Value),
    Form(Vec<(&'static str, String)>),
    GeoJson(Value),
    Photo(Vec<u8>),
}

/// One request, ready to send.
pub struct Req {
    pub method: Method,
    pub path: String,
    pub token: Option<String>,
    pub basic: Option<(String, String)>,
    pub key: Option<String>,
    pub body: Body,
}

fn req(method: Method, token: Option<&str>, path: String, body: Body) -> Req {
    let token = token.map(str::to_owned);
    let (basic, key) = (None, None);
    Req {
        method,
        path,
        token,
        basic,
        key,
        body,
    }
}

pub(super) fn post(token: &str, path: impl Into<String>, body: Value) -> Req {
    req(Method::POST, Some(token), path.into(), Body::Json(body))
}

/// A JSON `POST` without a token (log-ins).
fn anonymous(path: &str, body: Value) -> Req {
    req(Method::POST, None, path.into(), Body::Json(body))
}

pub(super) fn patch(token: &str, path: String, body: Value) -> Req {
    req(Method::PATCH, Some(token), path, Body::Json(body))
}

pub(super) fn delete(token: &str, path: String) -> Req {
    req(Method::DELETE, Some(token), path, Body::Empty)
}

/// `POST /v1/reports/{id}/{action}` on the `i`-th prepared report for `action`.
fn act(f: &Fixture, token: &str, action: &str, i: usize, body: Value) -> Req {
    let id = pick(&f.reports[action], i);
    post(token, format!("/v1/reports/{id}/{action}"), body)
}

/// A villager's report at 渡口村's centre; `key` is its `Idempotency-Key`.
pub fn report(token: &str, key: String, text: &str) -> Req {
    let body = json!({ "category": "garbage", "description": text,
                       "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
    Req {
        key: Some(key),
        ..post(token, "/v1/reports", body)
    }
}

/// A villager group below a village of 潢溪镇, created by `token`.
pub fn region(token: &str, parent: usize, name: String) -> Req {
    let parent = format!("36060310220{}", parent % 7);
    post(
        token,
        "/v1/regions",
        json!({ "parent": parent, "name": name }),
    )
}

/// A rule sending `cw_rules` reports in a village of 潢溪镇 to its 综治中心, made by `token`.
pub fn rule(f: &Fixture, token: &str, village: usize) -> Req {
    let region = format!("36060310220{}", village % 7);
    let body = json!({ "category": "cw_rules", "region": region, "unit_id": f.hx_centre });
    post(token, "/v1/routing-rules", body)
}

/// A square grid outline about 1 km across, `i` × 2 km east of 画桥镇's 大桥村.
fn grid(i: usize) -> Value {
    let (lon, lat, d) = (116.80 + 0.02 * i as f64, 28.30, 0.005);
    let ring: Vec<Value> = [(-d, -d), (d, -d), (d, d), (-d, d), (-d, -d)]
        .iter()
        .map(|(x, y)| json!([lon + x, lat + y]))
        .collect();
    let geometry = json!({ "type": "Polygon", "coordinates": [ring] });
    json!({ "type": "FeatureCollection", "features": [{ "type": "Feature", "geometry": geometry,
            "properties": { "name": format!("并发网格{}", i % (N - 1)), "region_code": "360603105200" } }] })
}

/// Makes the `i`-th burst request of a route.
pub type Maker = fn(&Fixture, usize) -> Req;

/// The Open311 write route (outside `endpoints()`).
pub const OPEN311_POST: (&str, &str) = ("POST", "/open311/v2/requests.json");

/// Every write route and its request maker. Where a request may collide with another (same
/// object, same name, same key, same code), that is on purpose: a 4xx is fine, a 5xx is not.
pub const ROUTES: &[(&str, &str, Maker)] = &[
    ("POST", "/v1/regions", |f, i| {
        region(&f.hx, 3, format!("并发{}组", i % (N - 1)))
    }),
    ("PATCH", "/v1/regions/{region}", |f, i| {
        patch(
            &f.admin,
            format!("/v1/regions/{}", pick(&f.regions, i)),
            json!({ "name": format!("改名{i}组") }),
        )
    }),
    ("DELETE", "/v1/regions/{region}", |f, i| {
        delete(&f.hx, format!("/v1/regions/{}", pick(&f.doomed_regions, i)))
    }),
    ("POST", "/v1/grids/import", |f, i| {
        let path = "/v1/grids/import?coord_system=wgs84".to_owned();
        req(Method::POST, Some(&f.admin), path, Body::GeoJson(grid(i)))
    }),
    ("PATCH", "/v1/grids/{id}", |f, i| {
        patch(
            &f.admin,
            format!("/v1/grids/{}", pick(&f.grids, i)),
            json!({ "name": format!("改名网格{i}") }),
        )
    }),
    ("POST", "/v1/units", |f, i| {
        let body = json!({ "name": format!("并发站{}", i % (N - 1)), "kind": "township_office",
                           "region": "360603102", "department": "water" });
        post(&f.hx, "/v1/units", body)
    }),
    ("PATCH", "/v1/units/{id}", |f, i| {
        patch(
            &f.hx,
            format!("/v1/units/{}", pick(&f.units, i)),
            json!({ "name": format!("改名站{i}") }),
        )
    }),
    ("POST", "/v1/categories", |f, i| {
        post(
            &f.admin,
            "/v1/categories",
            category(&format!("cw_new_{}", i % (N - 1))),
        )
    }),
    ("PATCH", "/v1/categories/{code}", |f, i| {
        let body = json!({ "resolve_within_minutes": 1000 + i, "sort_order": i });
        patch(
            &f.admin,
            format!("/v1/categories/{}", pick(&f.categories, i)),
            body,
        )
    }),
    ("POST", "/v1/auth/otp", |_, i| {
        anonymous("/v1/auth/otp", json!({ "phone": phone(i) }))
    }),
    ("POST", "/v1/auth/login", |_, i| {
        let body = if i % 2 == 0 {
            json!({ "username": "cw-prep-0", "password": STAFF_PASSWORD })
        } else {
            json!({ "phone": phone(100 + i), "code": "123456" })
        };
        anonymous("/v1/auth/login", body)
    }),
    ("POST", "/v1/auth/wechat", |_, i| {
        let body = json!({ "code": format!("cw-code-{}", i % 3) });
        anonymous("/v1/auth/wechat", body)
    }),
    ("POST", "/v1/auth/refresh", |f, i| {
        let body = json!({ "refresh_token": pick(&f.refresh_tokens, i) });
        anonymous("/v1/auth/refresh", body)
    }),
    ("POST", "/v1/auth/token", |f, _| {
        let form = vec![("grant_type", "client_credentials".to_owned())];
        let basic = Some(f.token_client.clone());
        Req {
            basic,
            ..req(
                Method::POST,
                None,
                "/v1/auth/token".into(),
                Body::Form(form),
            )
        }
    }),
    ("POST", "/v1/users", |f, i| {
        let body = json!({ "display_name": "并发用户", "role": "grid_worker",
                           "username": format!("cw-new-{}", i % (N - 1)),
                           "password": STAFF_PASSWORD, "unit_ids": [f.village_unit] });
        post(&f.admin, "/v1/users", body)
    }),
    ("PATCH", "/v1/users/{id}", |f, i| {
        patch(
            &f.hx,
            format!("/v1/users/{}", pick(&f.users, i)),
            json!({ "display_name": format!("改名{i}") }),
        )
    }),
    ("POST", "/v1/clients", |f, i| {
        let body = json!({ "name": format!("并发客户端{i}"), "scopes": ["reports:read"], "region": "360603102" });
        post(&f.admin, "/v1/clients", body)
    }),
    ("PATCH", "/v1/clients/{id}", |f, i| {
        let body = json!({ "name": format!("改名客户端{i}"), "rate_limit_per_minute": 100 + i });
        patch(
            &f.admin,
            format!("/v1/clients/{}", pick(&f.clients, i)),
            body,
        )
    }),
    ("POST", "/v1/clients/{id}/rotate", |f, i| {
        post(
            &f.admin,
            format!("/v1/clients/{}/rotate", pick(&f.rotated_clients, i)),
            json!({}),
        )
    }),
    ("POST", "/v1/media", |f, i| {
        req(
            Method::POST,
            Some(&f.anna),
            "/v1/media".into(),
            Body::Photo(dukou_photo(100 + i as u32)),
        )
    }),
    ("POST", "/v1/reports", |f, i| {
        // The last request repeats the first's key and body: a replay racing the original.
        let k = i % (N - 1);
        report(&f.anna, format!("cw-burst-{k}"), &format!("并发上报 {k}"))
    }),
    ("POST", "/v1/reports/{id}/follow", |f, i| {
        act(f, &f.bao, "follow", i, json!({}))
    }),
    ("POST", "/v1/reports/{id}/accept", |f, i| {
        act(f, &f.worker, "accept", i, json!({ "note": "马上去" }))
    }),
    ("POST", "/v1/reports/{id}/transfer", |f, i| {
        let body = json!({ "unit_id": f.village_unit, "reason": "请村委处理" });
        act(f, &f.worker, "transfer", i, body)
    }),
    ("POST", "/v1/reports/{id}/return", |f, i| {
        act(f, &f.worker, "return", i, json!({ "reason": "不归我们管" }))
    }),
    ("POST", "/v1/reports/{id}/escalate", |f, i| {
        act(f, &f.worker, "escalate", i, json!({ "reason": "超出能力" }))
    }),
    ("POST", "/v1/reports/{id}/urge", |f, i| {
        act(f, &f.hx, "urge", i, json!({ "note": "请尽快" }))
    }),
    ("POST", "/v1/reports/{id}/supervise", |f, i| {
        act(
            f,
            &f.hx,
            "supervise",
            i,
            json!({ "note": "请今天回复", "reply_by": f.reply_by }),
        )
    }),
    ("POST", "/v1/reports/{id}/supervise_reply", |f, i| {
        act(
            f,
            &f.worker,
            "supervise_reply",
            i,
            json!({ "note": "已安排" }),
        )
    }),
    ("POST", "/v1/reports/{id}/resolve", |f, i| {
        act(f, &f.worker, "resolve", i, json!({ "note": "已处理" }))
    }),
    ("POST", "/v1/reports/{id}/confirm", |f, i| {
        act(f, &f.anna, "confirm", i, json!({}))
    }),
    ("POST", "/v1/reports/{id}/rate", |f, i| {
        act(f, &f.anna, "rate", i, json!({ "rating": 5, "text": "好" }))
    }),
    ("POST", "/v1/reports/{id}/reopen", |f, i| {
        act(f, &f.anna, "reopen", i, json!({ "reason": "没弄好" }))
    }),
    ("POST", "/v1/reports/{id}/reject", |f, i| {
        act(f, &f.hx, "reject", i, json!({ "reason": "重复上报" }))
    }),
    ("POST", "/v1/reports/{id}/comment", |f, i| {
        act(
            f,
            &f.worker,
            "comment",
            i,
            json!({ "note": format!("备注{i}") }),
        )
    }),
    ("POST", "/v1/webhooks", |f, i| {
        let body =
            json!({ "name": format!("并发{i}"), "url": format!("https://example.com/new/{i}") });
        post(&f.admin, "/v1/webhooks", body)
    }),
    ("DELETE", "/v1/webhooks/{id}", |f, i| {
        delete(&f.admin, format!("/v1/webhooks/{}", pick(&f.webhooks, i)))
    }),
    ("POST", "/v1/deliveries/{id}/retry", |f, i| {
        post(
            &f.admin,
            format!("/v1/deliveries/{}/retry", pick(&f.dead_deliveries, i)),
            json!({}),
        )
    }),
    ("POST", "/v1/routing-rules", |f, i| rule(f, &f.hx, i)),
    ("PATCH", "/v1/routing-rules/{id}", |f, i| {
        patch(
            &f.hx,
            format!("/v1/routing-rules/{}", pick(&f.rules, i)),
            json!({ "active": i % 2 == 0 }),
        )
    }),
    (OPEN311_POST.0, OPEN311_POST.1, |f, i| {
        let mut form = vec![
            ("api_key", f.open311_key.clone()),
            ("service_code", "garbage".to_owned()),
            ("lat", DUKOU.0.to_string()),
            ("long", DUKOU.1.to_string()),
            ("description", format!("热线转来的垃圾 {i}")),
        ];
        if i % 2 == 0 {
            // 代办 for one new villager, by several requests at once.
            form.push(("phone", phone(400)));
        }
        req(Method::POST, None, OPEN311_POST.1.into(), Body::Form(form))
    }),
];

/// Sends `r`; returns the status (0 when no answer came) and the body text.
pub async fn send(srv: &TestServer, r: Req) -> (u16, String) {
    let mut b = srv.client.request(r.method, srv.url(&r.path));
    if let Some(token) = r.token {
        b = b.bearer_auth(token);
    }
    if let Some((id, secret)) = r.basic {
        b = b.basic_auth(id, Some(secret));
    }
    if let Some(key) = r.key {
        b = b.header("Idempotency-Key", key);
    }
    b = match r.body {
        Body::Empty => b,
        Body::Json(v) => b.json(&v),
        Body::Form(form) => b.form(&form),
        Body::GeoJson(v) => b
            .header("content-type", "application/geo+json")
            .body(v.to_string()),
        Body::Photo(bytes) => {
            let part = reqwest::multipart::Part::bytes(bytes).file_name("cw.jpg");
            b.multipart(reqwest::multipart::Form::new().part("file", part))
        }
    };
    match b.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            (
                status,
                res.text()
                    .await
                    .unwrap_or_else(|e| format!("(no body: {e})")),
            )
        }
        Err(e) => (0, format!("(no answer: {e})")),
    }
}
