//! Environment overrides (`INFRASTRUCTOR_CONFIG`, `INFRASTRUCTOR_LISTEN`,
//! `INFRASTRUCTOR_DATABASE_URL`), read through an injectable lookup so tests never touch the
//! process environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::error::ConfigError;
use super::{Env, Secret};

/// Path of the config file.
pub const CONFIG: &str = "INFRASTRUCTOR_CONFIG";
/// Listen address, overriding `listen`.
pub const LISTEN: &str = "INFRASTRUCTOR_LISTEN";
/// Database URL, overriding `database_url` / `database_url_file`.
pub const DATABASE_URL: &str = "INFRASTRUCTOR_DATABASE_URL";
/// File whose first line is the database URL (e.g. a Docker secret), overriding
/// `database_url` / `database_url_file`; `INFRASTRUCTOR_DATABASE_URL` wins over it.
pub const DATABASE_URL_FILE: &str = "INFRASTRUCTOR_DATABASE_URL_FILE";
/// An admin token added to `[[api.tokens]]` (named `env`), e.g. for a container.
pub const API_TOKEN: &str = "INFRASTRUCTOR_API_TOKEN";
/// Folder of the embedded database and the spool, overriding `data_dir`.
pub const DATA_DIR: &str = "INFRASTRUCTOR_DATA_DIR";

/// Looks a variable up in the real process environment (what `main` passes to `load`).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// An environment made of fixed pairs, for tests: `let env = from_pairs(&[("HOME", "/h")]);`.
pub fn from_pairs(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let owned: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |name| owned.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// `INFRASTRUCTOR_CONFIG`, if set; an empty value is an error.
pub fn config_path(env: Env<'_>) -> Result<Option<PathBuf>, ConfigError> {
    match env(CONFIG) {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => {
            Err(ConfigError::Env { var: CONFIG, message: "must not be empty".to_owned() })
        }
        Some(v) => Ok(Some(PathBuf::from(v))),
    }
}

/// `INFRASTRUCTOR_LISTEN`, if set, as a socket address.
pub fn listen(env: Env<'_>) -> Result<Option<SocketAddr>, ConfigError> {
    let Some(v) = env(LISTEN) else { return Ok(None) };
    v.trim().parse().map(Some).map_err(|_| ConfigError::Env {
        var: LISTEN,
        message: format!("invalid socket address \"{v}\" (expected e.g. 127.0.0.1:9101)"),
    })
}

/// `INFRASTRUCTOR_DATA_DIR`, if set and not empty.
pub fn data_dir(env: Env<'_>) -> Option<PathBuf> {
    env(DATA_DIR).filter(|v| !v.trim().is_empty()).map(PathBuf::from)
}

/// `INFRASTRUCTOR_DATABASE_URL`, if set. Accepts a `postgres://` / `postgresql://` URL or a
/// libpq key=value string; the value is never echoed in errors.
pub fn database_url(env: Env<'_>) -> Result<Option<Secret>, ConfigError> {
    if let Some(v) = env(DATABASE_URL) {
        return check_url(DATABASE_URL, &v).map(Some);
    }
    let Some(path) = env(DATABASE_URL_FILE).filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path.trim()).map_err(|e| ConfigError::Env {
        var: DATABASE_URL_FILE,
        message: format!("cannot read {}: {e}", path.trim()),
    })?;
    check_url(DATABASE_URL_FILE, text.lines().next().unwrap_or("")).map(Some)
}

/// Checks a database URL from the variable `var`; the value is never echoed.
fn check_url(var: &'static str, v: &str) -> Result<Secret, ConfigError> {
    let v = v.trim();
    let err = |message: &str| ConfigError::Env { var, message: message.to_owned() };
    if v.is_empty() {
        return Err(err("must not be empty"));
    }
    if let Some((scheme, _)) = v.split_once("://") {
        if !matches!(scheme, "postgres" | "postgresql") {
            return Err(err("expected a postgres:// or postgresql:// url (value not shown)"));
        }
    } else if !v.contains('=') {
        return Err(err(
            "expected a postgres:// url or key=value connection string (value not shown)",
        ));
    }
    Ok(Secret::new(v))
}

/// `api` with `INFRASTRUCTOR_API_TOKEN` added as an admin token named `env`, if set.
pub fn api_token(
    env: Env<'_>,
    mut api: super::ApiSettings,
) -> Result<super::ApiSettings, ConfigError> {
    let Some(v) = env(API_TOKEN).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(api);
    };
    if v.chars().count() < super::api::MIN_TOKEN_LEN || v.chars().any(char::is_whitespace) {
        let message = format!(
            "must be at least {} characters without spaces (value not shown)",
            super::api::MIN_TOKEN_LEN
        );
        return Err(ConfigError::Env { var: API_TOKEN, message });
    }
    api.tokens.push(super::api::ApiToken {
        name: "env".to_owned(),
        token: Secret::new(v),
        scope: super::api::Scope::Admin,
    });
    Ok(api)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_override() {
        let env = from_pairs(&[(LISTEN, "0.0.0.0:80")]);
        assert_eq!(listen(&env).unwrap(), Some("0.0.0.0:80".parse().unwrap()));
        assert_eq!(listen(&from_pairs(&[])).unwrap(), None);
        let err = listen(&from_pairs(&[(LISTEN, "nope")])).unwrap_err().to_string();
        assert!(err.contains(LISTEN) && err.contains("\"nope\""), "{err}");
    }

    #[test]
    fn database_url_is_checked_and_hidden() {
        let ok =
            database_url(&from_pairs(&[(DATABASE_URL, "postgres://u:pw@h/db")])).unwrap().unwrap();
        assert_eq!(ok.expose(), "postgres://u:pw@h/db");
        assert!(database_url(&from_pairs(&[(DATABASE_URL, "host=h user=u")])).unwrap().is_some());
        for bad in ["", "mysql://u:hunter2@h/db", "hunter2"] {
            let err = database_url(&from_pairs(&[(DATABASE_URL, bad)])).unwrap_err().to_string();
            assert!(err.contains(DATABASE_URL), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn database_url_file_is_read_and_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("url");
        std::fs::write(&good, "postgres://u:pw@db/infra\n").unwrap();
        let env = from_pairs(&[(DATABASE_URL_FILE, good.to_str().unwrap())]);
        assert_eq!(database_url(&env).unwrap().unwrap().expose(), "postgres://u:pw@db/infra");
        let bad = dir.path().join("bad");
        std::fs::write(&bad, "hunter2\n").unwrap();
        let env = from_pairs(&[(DATABASE_URL_FILE, bad.to_str().unwrap())]);
        let err = database_url(&env).unwrap_err().to_string();
        assert!(err.contains(DATABASE_URL_FILE) && !err.contains("hunter2"), "{err}");
        let env = from_pairs(&[(DATABASE_URL_FILE, "/nonexistent/url")]);
        assert!(database_url(&env).unwrap_err().to_string().contains("cannot read"));
    }

    #[test]
    fn config_path_override() {
        assert_eq!(
            config_path(&from_pairs(&[(CONFIG, "/x.toml")])).unwrap(),
            Some(PathBuf::from("/x.toml"))
        );
        assert!(
            config_path(&from_pairs(&[(CONFIG, " ")])).unwrap_err().to_string().contains(CONFIG)
        );
    }
}
