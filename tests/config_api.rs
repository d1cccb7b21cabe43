//! `[api]` in the config: bearer tokens (inline, from a file, or `INFRASTRUCTOR_API_TOKEN`)
//! with a scope, accepted hosts and origins, and `allow_actions`; every mistake names the
//! field and never shows a token.

mod config_support;
use config_support::{accept, check, check_env, parse};
use infrastructor::config::Scope;

const TOKEN: &str = "0123456789abcdef0123";

#[test]
fn tokens_scopes_hosts_and_actions_are_read() {
    let cfg = accept(&format!(
        "[api]\nallowed_hosts = [\"tower.lan\"]\nallow_actions = true\n\
         [[api.tokens]]\nname = \"claude\"\ntoken = \"{TOKEN}\"\n\
         [[api.tokens]]\nname = \"ops\"\ntoken = \"{TOKEN}xyz\"\nscope = \"admin\"\n"
    ));
    let names: Vec<(&str, Scope)> =
        cfg.api.tokens.iter().map(|t| (t.name.as_str(), t.scope)).collect();
    assert_eq!(names, [("claude", Scope::Read), ("ops", Scope::Admin)]);
    assert_eq!(cfg.api.allowed_hosts, ["tower.lan"]);
    assert!(cfg.api.allow_actions);
    assert!(!format!("{cfg:?}").contains(TOKEN), "a token in Debug output");
    let none = accept("");
    assert!(none.api.tokens.is_empty() && !none.api.allow_actions);
    assert_eq!(none.api.allowed_hosts, ["localhost", "127.0.0.1", "::1"]);
}

#[test]
fn bad_tokens_are_refused_with_the_field() {
    let t = |body: &str| format!("[[api.tokens]]\n{body}");
    check(
        &t("name = \"a\"\ntoken = \"short\"\n"),
        "api.tokens[0].token: must be at least 16 characters",
    );
    check(
        &t(&format!("name = \"a\"\ntoken = \"{TOKEN}\"\nscope = \"root\"\n")),
        "api.tokens[0].scope: must be \"read\" or \"admin\", got \"root\"",
    );
    check(&t("name = \"a\"\n"), "api.tokens[0].token: set token or token_file");
    check(
        &t(&format!("name = \"\"\ntoken = \"{TOKEN}\"\n")),
        "api.tokens[0].name: must be 1 to 64 printable characters",
    );
    let two = format!(
        "[[api.tokens]]\nname = \"a\"\ntoken = \"{TOKEN}\"\n[[api.tokens]]\nname = \"a\"\ntoken = \"{TOKEN}1\"\n"
    );
    check(&two, "api.tokens[1].name: duplicate token name \"a\"");
    let same = format!(
        "[[api.tokens]]\nname = \"a\"\ntoken = \"{TOKEN}\"\n[[api.tokens]]\nname = \"b\"\ntoken = \"{TOKEN}\"\n"
    );
    check(&same, "api.tokens[1].token: the same token is given twice");
    check("[api]\ntokens = 3\n", "invalid type");
    // A secret's value never shows in an error, even a syntax error.
    let err = parse(&t("name = \"a\"\ntoken = 12345678901234567\n"), &[]).unwrap_err().to_string();
    assert!(!err.contains("12345678901234567"), "{err}");
}

#[test]
fn a_token_file_and_the_environment_add_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let cfg =
        accept(&format!("[[api.tokens]]\nname = \"f\"\ntoken_file = \"{}\"\n", file.display()));
    assert_eq!(cfg.api.tokens[0].token.expose(), TOKEN);
    let env = [("INFRASTRUCTOR_API_TOKEN", "env-token-0123456789")];
    let cfg = parse("", &env).unwrap();
    assert_eq!((cfg.api.tokens[0].name.as_str(), cfg.api.tokens[0].scope), ("env", Scope::Admin));
    check_env(
        "",
        &[("INFRASTRUCTOR_API_TOKEN", "short")],
        "INFRASTRUCTOR_API_TOKEN: must be at least 16 characters",
    );
}

#[test]
fn the_live_stream_limits_are_read_within_bounds() {
    let cfg = accept("[api]\nws_max_connections = 5\nws_queue = 64\n");
    assert_eq!((cfg.api.ws.max_connections, cfg.api.ws.queue), (5, 64));
    let none = accept("");
    assert_eq!((none.api.ws.max_connections, none.api.ws.queue), (1000, 1024));
    check(
        "[api]\nws_max_connections = 0\n",
        "api.ws_max_connections: must be between 1 and 100000, got 0",
    );
    check("[api]\nws_queue = 8\n", "api.ws_queue: must be between 16 and 65536, got 8");
    check("[api]\nws_queue = -1\n", "invalid");
}
