//! Shared helpers of the `config*` integration tests: parse text as `config/x.toml` and check
//! the error message. Include with `mod config_support;`.
#![allow(dead_code)]

use std::path::Path;

use infrastructor::config::{self, Config, ConfigError, env::from_pairs};

/// The pseudo file name every checked text is parsed as.
pub const FILE: &str = "config/x.toml";

/// One SSH device, lines 1-3.
pub const DEV: &str = "[[devices]]\nname = \"web\"\nhost = \"10.0.0.1\"\n";

/// Parses `text` as `config/x.toml` with `HOME=/home/t USER=t` plus `vars`.
pub fn parse(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut all = vec![("HOME", "/home/t"), ("USER", "t")];
    all.extend_from_slice(vars);
    config::parse_str(text, Path::new(FILE), &from_pairs(&all))
}

/// Parses `text` as `config/x.toml` and asserts the error message contains `expect`.
pub fn check(text: &str, expect: &str) {
    check_env(text, &[], expect);
}

/// Like [`check`], with extra environment variables.
pub fn check_env(text: &str, vars: &[(&str, &str)], expect: &str) {
    match parse(text, vars) {
        Ok(cfg) => panic!("expected an error containing {expect:?}, got {cfg:?}"),
        Err(err) => assert_message(&err.to_string(), expect),
    }
}

/// Asserts `msg` contains `expect` and every part after a `: ` starts lowercase.
pub fn assert_message(msg: &str, expect: &str) {
    assert!(msg.contains(expect), "error {msg:?} does not contain {expect:?}");
    for part in msg.split(": ").skip(1) {
        assert!(!part.starts_with(char::is_uppercase), "not lowercase: {msg}");
    }
}

/// Parses `text` and asserts it is accepted.
pub fn accept(text: &str) -> Config {
    parse(text, &[]).unwrap_or_else(|e| panic!("expected {text:?} to be accepted: {e}"))
}
