//! Settings: read once from environment variables into a value that is passed in explicitly
//! (no global state, so every test builds its own). See the README's configuration table.

use std::path::PathBuf;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (default).
    Text,
    /// One JSON object per line (`LOG_FORMAT=json`), for log collectors.
    Json,
}

/// Everything the server needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on (`CUNXIANG_BIND`, default `127.0.0.1:8080`; port 0 picks a free one).
    pub bind: String,
    /// Database (`DATABASE_URL`, default `sqlite://<data dir>/cunxiang.db`).
    pub database_url: String,
    /// Directory for the SQLite database, keys and photos (`CUNXIANG_DATA_DIR`, default `data`).
    pub data_dir: PathBuf,
    /// Most database connections held open (`CUNXIANG_DB_POOL_SIZE`, default 8).
    pub db_pool_size: u32,
    /// HTTP worker threads (`CUNXIANG_WORKERS`, default: one per CPU core).
    pub workers: usize,
    /// Largest JSON request body in bytes (`CUNXIANG_JSON_LIMIT`, default 65536).
    pub json_limit: usize,
    /// Log line format (`LOG_FORMAT`: `text` or `json`).
    pub log_format: LogFormat,
    /// Seed the demo county into an empty database (`CUNXIANG_DEMO`, default true; `--no-demo`).
    pub demo: bool,
    /// Seconds in-flight requests get to finish on SIGTERM (`CUNXIANG_SHUTDOWN_TIMEOUT`, default 30).
    pub shutdown_timeout_secs: u64,
}

/// A setting with a value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{name} {problem}, got {value:?}")]
pub struct SettingsError {
    /// The environment variable.
    pub name: &'static str,
    /// What the value must be.
    pub problem: &'static str,
    /// What was given.
    pub value: String,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (a name → value function), applying defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let data_dir = PathBuf::from(get("CUNXIANG_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("cunxiang.db").display()));
        let default_workers = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Settings {
            bind: get("CUNXIANG_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            database_url,
            data_dir,
            db_pool_size: number(&get, "CUNXIANG_DB_POOL_SIZE", 8)?,
            workers: number(&get, "CUNXIANG_WORKERS", default_workers)?,
            json_limit: number(&get, "CUNXIANG_JSON_LIMIT", 64 * 1024)?,
            log_format: match get("LOG_FORMAT").as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(SettingsError {
                        name: "LOG_FORMAT",
                        problem: "must be text or json",
                        value: other.into(),
                    });
                }
            },
            demo: flag(&get, "CUNXIANG_DEMO", true)?,
            shutdown_timeout_secs: number(&get, "CUNXIANG_SHUTDOWN_TIMEOUT", 30)?,
        })
    }
}

fn number<T: std::str::FromStr + PartialOrd + Default>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, SettingsError> {
    match get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > T::default())
            .ok_or(SettingsError {
                name,
                problem: "must be a positive whole number",
                value: v,
            }),
    }
}

fn flag(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, SettingsError> {
    match get(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(SettingsError {
            name,
            problem: "must be true or false",
            value: other.into(),
        }),
    }
}

#[cfg(test)]
mod tests {
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
    }
}
