//! Lifecycle fixtures shared by the integration tests: staff accounts made in a unit and
//! logged in, evidence photos taken at a given time and place, actions on a report, and
//! reading a report back to prove that a refused action changed nothing.

use chrono::{DateTime, FixedOffset, Utc};
use cunxiang_photo::fixtures::{ExifSpec, app1, exif_tiff, jpeg, photo};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::intake::{DUKOU, dms};
use crate::session::session_of;
use crate::{Contract, Session, TestServer};

/// The password of every staff account these tests make.
pub const STAFF_PASSWORD: &str = "a-long-password";
/// The grid team that routing gives 渡口村's rubbish to.
pub const DUKOU_TEAM: &str = "渡口村网格工作组";
/// 渡口村's village committee: one level up the ladder from its grid team.
pub const DUKOU_VILLAGE: &str = "渡口村民委员会";
/// 潢溪镇's 综治中心: the township level above 渡口村 (hx-supervisor's unit).
pub const HX_CENTRE: &str = "潢溪镇综治中心";

/// A phone-like JPEG whose EXIF says it was taken at `at` (written as Beijing wall-clock time,
/// without offset, as most phones in China do) at `place` (WGS-84 `(lat, lon)`); `variant`
/// changes the picture.
pub fn photo_taken(at: DateTime<Utc>, place: (f64, f64), variant: u32) -> Vec<u8> {
    let beijing = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let taken = at
        .with_timezone(&beijing)
        .format("%Y:%m:%d %H:%M:%S")
        .to_string();
    let spec = ExifSpec {
        orientation: Some(1),
        // The fixture wants 'static text; a test leaks a few bytes per photo.
        taken: Some(taken.leak()),
        offset: None,
        gps: Some(("N", dms(place.0), "E", dms(place.1))),
    };
    jpeg(
        &photo(640, 480, variant),
        640,
        480,
        &[app1(exif_tiff(&spec))],
    )
}

/// A point about `km` kilometres north of 渡口村's centre.
pub fn north_of_dukou(km: f64) -> (f64, f64) {
    (DUKOU.0 + km / 111.2, DUKOU.1)
}

/// An RFC 3339 time in a response.
pub fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .parse()
        .unwrap_or_else(|e| panic!("not RFC 3339 ({e}): {value}"))
}

/// Minutes from `earlier` to the time in `later` (fractional).
pub fn minutes_after(earlier: DateTime<Utc>, later: &Value) -> f64 {
    (at(later) - earlier).num_milliseconds() as f64 / 60_000.0
}

/// Whether two response times are the same instant (to the millisecond: the database may
/// keep fewer digits than the answer that created the row).
pub fn same_time(a: &Value, b: &Value) -> bool {
    (at(a) - at(b)).num_milliseconds() == 0
}

/// The timeline's event kinds, oldest first.
pub fn kinds(report: &Value) -> Vec<String> {
    timeline(report)
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_owned())
        .collect()
}

/// The timeline as (kind, actor id) pairs, oldest first; `None` is the system.
pub fn steps(report: &Value) -> Vec<(String, Option<String>)> {
    timeline(report)
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().expect("kind").to_owned(),
                e["actor_id"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The report's timeline events.
pub fn timeline(report: &Value) -> &Vec<Value> {
    report["timeline"]
        .as_array()
        .unwrap_or_else(|| panic!("no timeline: {report}"))
}

/// The newest timeline event.
pub fn last_event(report: &Value) -> &Value {
    timeline(report).last().expect("an event")
}

/// The newest timeline event of `kind`.
pub fn last_of<'a>(report: &'a Value, kind: &str) -> &'a Value {
    timeline(report)
        .iter()
        .rev()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} event: {report}"))
}

/// A report's version and timeline length: what no refused action may change.
pub fn footprint(report: &Value) -> (i64, usize) {
    (
        report["version"].as_i64().expect("version"),
        timeline(report).len(),
    )
}

/// The contract's path for a lifecycle action: its own path when `openapi.yaml` lists one per
/// action, else the shared `/v1/reports/{id}/{action}`.
pub fn action_op(contract: &Contract, action: &str) -> String {
    let own = format!("/v1/reports/{{id}}/{action}");
    let ops = contract.operations();
    [own.as_str(), "/v1/reports/{id}/{action}"]
        .into_iter()
        .find(|path| ops.iter().any(|(m, p)| m == "POST" && p == path))
        .unwrap_or_else(|| panic!("openapi.yaml documents no POST for the {action} action"))
        .to_owned()
}

impl TestServer {
    /// Makes a staff account (as `admin`) with `role` in the unit named `unit`, and logs her in.
    pub async fn staff_in(
        &self,
        admin: &Session,
        username: &str,
        role: &str,
        unit: &str,
    ) -> Session {
        let unit_id = self.unit_id(unit).await;
        let body = json!({ "display_name": format!("{unit}·{username}"), "role": role,
                           "username": username, "password": STAFF_PASSWORD,
                           "unit_ids": [unit_id] });
        let (status, created) = self
            .post(Some(&admin.access_token), "/v1/users", body)
            .await;
        assert_eq!(status, 201, "creating {username}: {created}");
        let body = json!({ "username": username, "password": STAFF_PASSWORD });
        let (status, answer) = self.post(None, "/v1/auth/login", body).await;
        assert_eq!(status, 200, "log-in of {username}: {answer}");
        session_of(&answer)
    }

    /// `POST /v1/reports/{id}/{action}` as `who` with a JSON body.
    pub async fn act(
        &self,
        who: &Session,
        report_id: &str,
        action: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let path = format!("/v1/reports/{report_id}/{action}");
        self.post(Some(&who.access_token), &path, body).await
    }

    /// `POST /v1/reports/{id}/{action}` that must succeed; returns the report view.
    pub async fn act_ok(&self, who: &Session, report_id: &str, action: &str, body: Value) -> Value {
        let (status, report) = self.act(who, report_id, action, body.clone()).await;
        assert_eq!(status, 200, "{action} {body}: {report}");
        report
    }

    /// `GET /v1/reports/{id}` as `who`, which must succeed.
    pub async fn report_as(&self, who: &Session, report_id: &str) -> Value {
        let (status, report) = self
            .get_as(&who.access_token, &format!("/v1/reports/{report_id}"))
            .await;
        assert_eq!(status, 200, "reading {report_id}: {report}");
        report
    }

    /// A report of `category` at 渡口村's centre (WGS-84), submitted by `villager`; it must be
    /// created and routed to 渡口村's grid team.
    pub async fn report_at_dukou(&self, villager: &Session, category: &str, text: &str) -> Value {
        let body = json!({ "category": category, "description": text,
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let (status, report) = self
            .report(
                &villager.access_token,
                Some(&uuid::Uuid::now_v7().to_string()),
                &body,
            )
            .await;
        assert_eq!(status, 201, "{report}");
        assert_eq!(report["status"], "assigned", "{report}");
        assert_eq!(report["unit"]["name"], DUKOU_TEAM, "{report}");
        report
    }

    /// Uploads a photo as `who`; returns its media id.
    pub async fn evidence(&self, who: &Session, bytes: Vec<u8>) -> String {
        let (status, media) = self.upload(&who.access_token, bytes, "evidence.jpg").await;
        assert_eq!(status, 201, "{media}");
        media["id"].as_str().expect("media id").to_owned()
    }

    /// Asserts that `answer` is the refusal `status`/`code` and that the report, read back by
    /// `reader`, still has the `before` version and timeline length; returns the error body.
    pub async fn refused(
        &self,
        reader: &Session,
        report_id: &str,
        before: (i64, usize),
        answer: (StatusCode, Value),
        status: u16,
        code: &str,
    ) -> Value {
        let (got, body) = answer;
        assert_eq!(got, status, "wanted {status} {code}: {body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        let now = self.report_as(reader, report_id).await;
        assert_eq!(
            footprint(&now),
            before,
            "a refusal changed the report: {now}"
        );
        body
    }
}

/// A garbage report at 渡口村 with its photos before and after: filed by `villager` with one
/// photo, accepted and resolved by `worker` with another, rated `rating` by her.
pub struct Resolved {
    /// The report as filed.
    pub report: Value,
    /// The media id of the villager's photo.
    pub before: String,
    /// The media id of the resolution's photo.
    pub after: String,
}

impl TestServer {
    /// Files, resolves and rates a garbage report at 渡口村 (see [`Resolved`]).
    pub async fn resolved_at_dukou(
        &self,
        villager: &Session,
        worker: &Session,
        text: &str,
        rating: u8,
    ) -> Resolved {
        let before = self.evidence(villager, crate::intake::dukou_photo(1)).await;
        let body = json!({ "category": "garbage", "description": text, "media_ids": [before],
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let key = uuid::Uuid::now_v7().to_string();
        let (status, report) = self.report(&villager.access_token, Some(&key), &body).await;
        assert_eq!(status, 201, "{report}");
        let id = report["id"].as_str().expect("id").to_owned();
        self.act_ok(worker, &id, "accept", json!({})).await;
        let after = self.evidence(worker, crate::intake::dukou_photo(2)).await;
        let resolve = json!({ "note": "已清运", "media_ids": [after] });
        self.act_ok(worker, &id, "resolve", resolve).await;
        self.act_ok(villager, &id, "rate", json!({ "rating": rating }))
            .await;
        Resolved {
            report,
            before,
            after,
        }
    }
}
