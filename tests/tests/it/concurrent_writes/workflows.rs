//! The fixture's parts for the newer workflows: a mediation case with parties, patrol
//! checklists with scheduled grids, and patrols under way for the walkers' bursts.

use cunxiang_tests::intake::DUKOU;
use cunxiang_tests::lifecycle::{DUKOU_TEAM, DUKOU_VILLAGE};
use cunxiang_tests::mediation::{online_session, scheduled_session, session_record};
use cunxiang_tests::{Session, TestServer};
use serde_json::{Value, json};

use super::fixture::{N, id, made, pick};
use super::requests::{Maker, delete, patch, post};

/// The mediation parts of the fixture: a new mediator of 渡口村's committee (her token), an
/// accepted dispute with [`N`] − 1 parties and [`N`] − 1 sessions scheduled, and [`N`] − 2
/// accepted disputes to conclude and [`N`] − 2 agreements awaiting their follow-up (the last
/// two requests race another on the same case).
pub struct Mediation {
    pub mediator: String,
    pub case: String,
    pub parties: Vec<String>,
    pub sessions: Vec<String>,
    pub to_conclude: Vec<String>,
    pub to_follow_up: Vec<String>,
}

/// A dispute at 渡口村 by `anna`, accepted by `mediator`.
async fn accepted_dispute(srv: &TestServer, mediator: &Session, anna: &Session) -> String {
    let case = srv.dispute(anna, "并发调解").await;
    srv.act_ok(mediator, &case, "accept", json!({})).await;
    case
}

/// Makes the [`Mediation`] parts.
pub(super) async fn mediation(srv: &TestServer, admin: &Session, anna: &Session) -> Mediation {
    let mediator = srv
        .staff_in(admin, "cw-mediator", "unit_staff", DUKOU_VILLAGE)
        .await;
    let case = accepted_dispute(srv, &mediator, anna).await;
    let path = format!("/v1/reports/{case}/parties");
    let mut parties = Vec::new();
    let mut sessions = Vec::new();
    for k in 0..N - 1 {
        let party = json!({ "role": "other", "name": format!("预备当事人{k}") });
        parties.push(id(&made(srv, &mediator.access_token, &path, party).await));
        let planned = online_session(srv.now(), 10);
        let report = srv
            .act_ok(&mediator, &case, "schedule_session", planned)
            .await;
        sessions.push(scheduled_session(&report));
    }
    let mut to_conclude = Vec::new();
    let mut to_follow_up = Vec::new();
    for k in 0..N - 2 {
        to_conclude.push(accepted_dispute(srv, &mediator, anna).await);
        let agreed = accepted_dispute(srv, &mediator, anna).await;
        srv.agree(&mediator, &agreed, 70 + u32::try_from(k).unwrap_or(0))
            .await;
        to_follow_up.push(agreed);
    }
    Mediation {
        mediator: mediator.access_token,
        case,
        parties,
        sessions,
        to_conclude,
        to_follow_up,
    }
}

/// A patrol checklist body for 潢溪镇, named `name`.
pub fn checklist(name: &str) -> Value {
    json!({ "name": name, "region": "360603102",
            "items": [{ "section": "安全隐患", "title": "房屋安全", "instruction": "看墙体",
                        "category": "safety" }] })
}

/// [`N`] − 1 checklists of 潢溪镇 (made by the supervisor `token`), and [`N`] − 1
/// (checklist, grid) pairs scheduled on them.
pub(super) async fn checklists(
    srv: &TestServer,
    token: &str,
    grids: &[String],
) -> (Vec<String>, Vec<(String, String)>) {
    let mut checklists = Vec::new();
    for k in 0..N - 1 {
        let made = made(
            srv,
            token,
            "/v1/checklists",
            checklist(&format!("预备清单{k}")),
        )
        .await;
        checklists.push(id(&made));
    }
    let mut patrols = Vec::new();
    for checklist in &checklists {
        for grid in grids {
            if patrols.len() < N - 1 {
                patrols.push((checklist.clone(), grid.clone()));
            }
        }
    }
    for (checklist, grid) in &patrols {
        let body = json!({ "grid_id": grid, "frequency": "weekly" });
        let path = format!("/v1/checklists/{checklist}/grids");
        let (status, answer) = srv.post(Some(token), &path, body).await;
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(patrols.len(), N - 1, "enough grids to schedule");
    (checklists, patrols)
}

/// A patrol under way: its walker's token and its id.
pub type Walking = (String, String);

/// The body that starts a patrol of 渡口村网格 against the demo checklist, two patrols of it
/// under way by two new walkers of its team (one to feed points and marks, one to finish),
/// and the checklist's item ids.
pub(super) async fn patrols(
    srv: &TestServer,
    admin: &Session,
) -> (Value, Walking, Walking, Vec<String>) {
    let (_, list) = srv.get_as(&admin.access_token, "/v1/checklists").await;
    let demo = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "网格员每周巡查清单")
        .unwrap_or_else(|| panic!("no demo checklist: {list}"));
    let checklist = id(demo);
    let items: Vec<String> = demo["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().iter().map(id))
        .collect();
    let grid = srv.grid_id("渡口村网格").await;
    let start = json!({ "grid_id": grid, "checklist_id": checklist });
    let mut walking = Vec::new();
    for name in ["cw-walker", "cw-finisher"] {
        let walker = srv.staff_in(admin, name, "grid_worker", DUKOU_TEAM).await;
        let patrol = made(srv, &walker.access_token, "/v1/patrols", start.clone()).await;
        walking.push((walker.access_token, id(&patrol)));
    }
    let finishing = walking.pop().unwrap_or_default();
    let feeding = walking.pop().unwrap_or_default();
    (start, feeding, finishing, items)
}

/// The request makers of the newer workflows' write routes (the rest: `requests::ROUTES`).
pub const WORKFLOW_ROUTES: &[(&str, &str, Maker)] = &[
    ("POST", "/v1/patrols", |f, _| {
        post(&f.worker, "/v1/patrols", f.patrol_start.clone())
    }),
    ("POST", "/v1/patrols/{id}/points", |f, i| {
        let (token, id) = &f.walking;
        let at = chrono::Utc::now() - chrono::Duration::minutes(60 - i as i64);
        let body = json!({ "points": [{ "at": at.to_rfc3339(), "lat": DUKOU.0, "lon": DUKOU.1 }] });
        post(token, format!("/v1/patrols/{id}/points"), body)
    }),
    ("POST", "/v1/patrols/{id}/marks", |f, i| {
        let (token, id) = &f.walking;
        let body = json!({ "item_id": pick(&f.patrol_items, i), "result": "ok" });
        post(token, format!("/v1/patrols/{id}/marks"), body)
    }),
    ("POST", "/v1/patrols/{id}/finish", |f, _| {
        let (token, id) = &f.finishing;
        post(token, format!("/v1/patrols/{id}/finish"), json!({}))
    }),
    ("POST", "/v1/checklists", |f, i| {
        post(&f.hx, "/v1/checklists", checklist(&format!("并发清单{i}")))
    }),
    ("PATCH", "/v1/checklists/{id}", |f, i| {
        let path = format!("/v1/checklists/{}", pick(&f.checklists, i));
        patch(&f.hx, path, json!({ "name": format!("改名清单{i}") }))
    }),
    ("POST", "/v1/checklists/{id}/grids", |f, i| {
        let path = format!("/v1/checklists/{}/grids", pick(&f.checklists, i));
        let body = json!({ "grid_id": pick(&f.grids, i), "frequency": "daily" });
        post(&f.hx, path, body)
    }),
    ("DELETE", "/v1/checklists/{id}/grids/{grid}", |f, i| {
        let (checklist, grid) = &f.patrols[i % f.patrols.len()];
        delete(&f.hx, format!("/v1/checklists/{checklist}/grids/{grid}"))
    }),
    ("POST", "/v1/reports/{id}/parties", |f, i| {
        let m = &f.mediation;
        let body = json!({ "role": "other", "name": format!("并发当事人{i}") });
        post(&m.mediator, format!("/v1/reports/{}/parties", m.case), body)
    }),
    ("DELETE", "/v1/reports/{id}/parties/{party}", |f, i| {
        let m = &f.mediation;
        let party = pick(&m.parties, i);
        delete(
            &m.mediator,
            format!("/v1/reports/{}/parties/{party}", m.case),
        )
    }),
    ("POST", "/v1/reports/{id}/schedule_session", |f, i| {
        let m = &f.mediation;
        let at = chrono::Utc::now() + chrono::Duration::days(1 + i as i64);
        let body = json!({ "at": at.to_rfc3339(), "place": format!("调解室{i}") });
        post(
            &m.mediator,
            format!("/v1/reports/{}/schedule_session", m.case),
            body,
        )
    }),
    ("POST", "/v1/reports/{id}/record_session", |f, i| {
        let m = &f.mediation;
        let body = session_record(pick(&m.sessions, i));
        post(
            &m.mediator,
            format!("/v1/reports/{}/record_session", m.case),
            body,
        )
    }),
    ("POST", "/v1/reports/{id}/conclude", |f, i| {
        let m = &f.mediation;
        let case = pick(&m.to_conclude, i);
        let body = json!({ "outcome": "withdrawn", "note": "申请人撤回" });
        post(&m.mediator, format!("/v1/reports/{case}/conclude"), body)
    }),
    ("POST", "/v1/reports/{id}/follow_up", |f, i| {
        let m = &f.mediation;
        let case = pick(&m.to_follow_up, i);
        let body = json!({ "kept": i % 2 == 0, "note": "并发回访" });
        post(&m.mediator, format!("/v1/reports/{case}/follow_up"), body)
    }),
];
