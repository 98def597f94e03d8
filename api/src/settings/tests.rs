//! The settings' parsing: defaults, errors that name the variable, hidden secrets.

use super::*;
use std::collections::HashMap;

fn with(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    Settings::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn defaults_are_safe() {
    let s = with(&[]).unwrap();
    assert_eq!(s.bind, "127.0.0.1:8080");
    assert_eq!(s.database_url, "sqlite://data/cunxiang.db");
    assert!(s.demo);
    assert_eq!(s.log_format, LogFormat::Text);
}

#[test]
fn the_database_follows_the_data_dir() {
    let s = with(&[("CUNXIANG_DATA_DIR", "/srv/cx")]).unwrap();
    assert_eq!(s.database_url, "sqlite:///srv/cx/cunxiang.db");
}

#[test]
fn bad_values_name_the_variable() {
    let err = with(&[("CUNXIANG_DB_POOL_SIZE", "many")])
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("CUNXIANG_DB_POOL_SIZE"), "{err}");
    assert!(with(&[("CUNXIANG_WORKERS", "0")]).is_err());
    assert!(with(&[("LOG_FORMAT", "xml")]).is_err());
    assert!(!with(&[("CUNXIANG_DEMO", "off")]).unwrap().demo);
    assert!(with(&[("CUNXIANG_DEMO", "maybe")]).is_err());
    assert!(with(&[("CUNXIANG_JWT_SECRET", "short")]).is_err());
    assert!(with(&[("CUNXIANG_TEST_PHONES", "13800000000:12345")]).is_err());
}

#[test]
fn test_phones_parse_and_secrets_stay_hidden() {
    let s = with(&[
        (
            "CUNXIANG_TEST_PHONES",
            "13800000000:123456, 13900000000:654321",
        ),
        (
            "CUNXIANG_JWT_SECRET",
            "0123456789abcdef0123456789abcdef-very-secret",
        ),
    ])
    .unwrap();
    assert_eq!(s.test_phones.len(), 2);
    assert_eq!(s.test_phones[1].0, "13900000000");
    let printed = format!("{s:?}");
    assert!(
        !printed.contains("very-secret") && !printed.contains("654321"),
        "{printed}"
    );
    assert!(
        with(&[]).unwrap().test_phones.is_empty(),
        "never active unless configured"
    );
}

#[test]
fn the_blob_store_setting_is_checked_at_start() {
    assert!(
        with(&[]).unwrap().blob_store.is_none(),
        "the disk by default"
    );
    let s = with(&[(
        "CUNXIANG_BLOB_STORE",
        "s3://photos?endpoint=http://minio:9000",
    )])
    .unwrap();
    assert_eq!(s.blob_store.map(|c| c.bucket).as_deref(), Some("photos"));
    let err = with(&[("CUNXIANG_BLOB_STORE", "/srv/photos")])
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("CUNXIANG_BLOB_STORE"), "{err}");
}
