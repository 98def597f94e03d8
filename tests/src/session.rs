//! Talking to the server as someone: JSON requests with or without a bearer token, and the
//! demo staff log-ins.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::server::TestServer;

/// A logged-in caller: her tokens and who she is.
#[derive(Debug, Clone)]
pub struct Session {
    /// Bearer access token.
    pub access_token: String,
    /// Refresh token (users only).
    pub refresh_token: Option<String>,
    /// The `user` object of the log-in answer (users only).
    pub user: Value,
}

impl Session {
    /// The user's id.
    pub fn id(&self) -> &str {
        self.user["id"].as_str().expect("user id")
    }
}

impl TestServer {
    /// Sends `method path` with an optional bearer token and JSON body; returns the status,
    /// the headers and the body as JSON (`Value::Null` when it is not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.expect("request");
        json_names_utf8(res.headers());
        let (status, headers) = (res.status(), res.headers().clone());
        let text = res.text().await.expect("body");
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// GET with a token.
    pub async fn get_as(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let (s, _, b) = self.call(Method::GET, path, Some(token), None).await;
        (s, b)
    }

    /// POST JSON, with a token when given.
    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, b) = self.call(Method::POST, path, token, Some(&body)).await;
        (s, b)
    }

    /// PATCH JSON with a token.
    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, b) = self
            .call(Method::PATCH, path, Some(token), Some(&body))
            .await;
        (s, b)
    }

    /// DELETE with a token.
    pub async fn delete(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let (s, _, b) = self.call(Method::DELETE, path, Some(token), None).await;
        (s, b)
    }

    /// Logs a villager in by SMS code; the server must list `phone` among its test phones
    /// with the code `123456` (see [`crate::TestServer::start_with_phones`]).
    pub async fn villager(&self, phone: &str) -> Session {
        let (status, body) = self
            .post(None, "/v1/auth/otp", json!({ "phone": phone }))
            .await;
        assert!(status.is_success(), "code for {phone}: {body}");
        let body = json!({ "phone": phone, "code": "123456" });
        let (status, answer) = self.post(None, "/v1/auth/login", body).await;
        assert_eq!(status, 200, "log-in of {phone}: {answer}");
        session_of(&answer)
    }

    /// `GET /v1/media/{id}` as the holder of `token`, which must answer 200: the ETag's key
    /// (the display rendition's blob key) and the bytes.
    pub async fn photo(&self, token: &str, id: &str) -> (String, Vec<u8>) {
        let res = self
            .client
            .get(self.url(&format!("/v1/media/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "photo {id} on {}", self.base);
        let etag = res.headers()["etag"]
            .to_str()
            .expect("etag")
            .trim_matches('"')
            .to_owned();
        (etag, res.bytes().await.expect("body").to_vec())
    }

    /// Uploads one file to `POST /v1/media` as multipart part `file`.
    pub async fn upload(&self, token: &str, bytes: Vec<u8>, filename: &str) -> (StatusCode, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let res = self
            .client
            .post(self.url("/v1/media"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        json_names_utf8(res.headers());
        let status = res.status();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `POST /v1/reports` with an `Idempotency-Key` (when given).
    pub async fn report(
        &self,
        token: &str,
        key: Option<&str>,
        body: &Value,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .post(self.url("/v1/reports"))
            .bearer_auth(token)
            .json(body);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let res = req.send().await.expect("report");
        json_names_utf8(res.headers());
        let status = res.status();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The id of the demo unit named `name` (public list, no token needed).
    pub async fn unit_id(&self, name: &str) -> String {
        let (_, units) = self.get("/v1/units?limit=1000").await;
        units["items"]
            .as_array()
            .expect("unit list")
            .iter()
            .find(|u| u["name"] == name)
            .and_then(|u| u["id"].as_str())
            .unwrap_or_else(|| panic!("no unit {name}"))
            .to_owned()
    }

    /// The id of the demo grid named `name` (public list, no token needed).
    pub async fn grid_id(&self, name: &str) -> String {
        let (_, grids) = self.get("/v1/grids?limit=100").await;
        grids["items"]
            .as_array()
            .expect("grid list")
            .iter()
            .find(|g| g["name"] == name)
            .and_then(|g| g["id"].as_str())
            .unwrap_or_else(|| panic!("no grid {name}"))
            .to_owned()
    }

    /// The shared password of the demo staff accounts, from the data dir's log-ins file.
    pub fn demo_password(&self) -> String {
        let path = self.db.dir.path().join("data").join("demo-logins.txt");
        let text = std::fs::read_to_string(&path).expect("demo log-ins file");
        text.lines()
            .find_map(|l| l.strip_prefix("password for every demo account: "))
            .expect("password line")
            .trim()
            .to_owned()
    }

    /// Logs a demo staff account in with the demo password; panics unless it works.
    pub async fn login(&self, username: &str) -> Session {
        let body = json!({ "username": username, "password": self.demo_password() });
        let (status, answer) = self.post(None, "/v1/auth/login", body).await;
        assert_eq!(status, 200, "log-in of {username}: {answer}");
        session_of(&answer)
    }
}

/// The rule every JSON answer keeps (issue 16, item 5), checked on every answer these
/// helpers read: its type names the charset, `application/json; charset=utf-8`.
pub fn json_names_utf8(headers: &reqwest::header::HeaderMap) {
    let kind = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if kind.starts_with("application/json") {
        assert_eq!(
            kind, "application/json; charset=utf-8",
            "a JSON answer's type"
        );
    }
}

/// The session in a token answer.
pub fn session_of(answer: &Value) -> Session {
    Session {
        access_token: answer["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned(),
        refresh_token: answer["refresh_token"].as_str().map(str::to_owned),
        user: answer["user"].clone(),
    }
}
