//! Reading `GET /v1/reports.csv` in tests: the raw answer, and its rows as column → value maps.

use std::collections::HashMap;

use crate::{Session, TestServer};

impl TestServer {
    /// The export as `who` with `query`: status, content type and the raw body.
    pub async fn export_csv(&self, who: &Session, query: &str) -> (u16, String, Vec<u8>) {
        // A fresh client: a pooled connection may have idled past the server's keep-alive
        // while a test filled the database behind its back.
        let res = reqwest::Client::new()
            .get(self.url(&format!("/v1/reports.csv{query}")))
            .bearer_auth(&who.access_token)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, kind, res.bytes().await.unwrap().to_vec())
    }
}

/// The header and rows of a CSV export (its BOM checked and dropped).
pub fn csv_rows(body: &[u8]) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let text = body
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .expect("a BOM");
    let mut reader = csv::Reader::from_reader(text);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (header, rows)
}
