//! Mediation cases for tests: a neighbours' dispute at 渡口村 (routed to 渡口村民委员会, whose
//! 人民调解委员会 mediates it), and the steps of its mediation as request bodies.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::intake::DUKOU;
use crate::lifecycle::{DUKOU_VILLAGE, photo_taken};
use crate::{Session, TestServer};

/// A session starting `minutes` from `now`, online with a meeting link (云端调解).
pub fn online_session(now: DateTime<Utc>, minutes: i64) -> Value {
    json!({ "at": (now + Duration::minutes(minutes)).to_rfc3339(), "online": true,
            "meeting_link": "https://meeting.tencent.com/dm/cunxiang-test" })
}

/// The record of the session `session_id` (from its `session_scheduled` event).
pub fn session_record(session_id: &str) -> Value {
    json!({ "session_id": session_id, "attendees": ["李安娜", "王五", "调解员"],
            "note": "双方陈述了宅基地边界的分歧", "next_step": "现场勘界后签协议" })
}

/// The `session_id` of a report view's latest `session_scheduled` event.
pub fn scheduled_session(report: &Value) -> String {
    crate::lifecycle::last_of(report, "session_scheduled")["details"]["session_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no session scheduled: {report}"))
        .to_owned()
}

impl TestServer {
    /// A neighbours' dispute at 渡口村 filed by `villager`, routed to 渡口村民委员会; its id.
    pub async fn dispute(&self, villager: &Session, text: &str) -> String {
        let body = json!({ "category": "dispute", "description": text,
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let key = uuid::Uuid::now_v7().to_string();
        let (status, report) = self.report(&villager.access_token, Some(&key), &body).await;
        assert_eq!(status, 201, "{report}");
        assert_eq!(report["unit"]["name"], DUKOU_VILLAGE, "{report}");
        report["id"].as_str().expect("report id").to_owned()
    }

    /// A photo of a signed 调解协议书, uploaded by `mediator`; its media id.
    pub async fn signed_agreement(&self, mediator: &Session, variant: u32) -> String {
        self.evidence(mediator, photo_taken(Utc::now(), DUKOU, variant))
            .await
    }

    /// Concludes `case` with an agreement whose signed photo `mediator` uploads.
    pub async fn agree(&self, mediator: &Session, case: &str, variant: u32) -> Value {
        let photo = self.signed_agreement(mediator, variant).await;
        let body = json!({ "outcome": "agreement", "note": "王五退回占用的50厘米宅基地",
                           "media_ids": [photo] });
        self.act_ok(mediator, case, "conclude", body).await
    }
}
