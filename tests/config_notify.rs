//! `[alerts]` notifiers in the config: `public_url`, `rate_limit_per_hour`, `[alerts.gotify]`
//! (url, token or token_file, priorities 0..=10) and `[alerts.webhook]` (url, headers); every
//! mistake names its field and never shows a token.

mod config_support;
use config_support::{accept, check, parse};
use infrastructor::config::notify::Priorities;

const GOTIFY: &str = "[alerts.gotify]\nurl = \"https://gotify.example.org/\"\n";

#[test]
fn gotify_webhook_and_limits_are_read() {
    let cfg = accept(&format!(
        "[alerts]\npublic_url = \"https://infra.example.org/\"\nrate_limit_per_hour = 10\n\
         {GOTIFY}token = \"AbCdEf0123456789\"\npriorities = {{ info = 0, critical = 10 }}\n\
         [alerts.webhook]\nurl = \"http://hooks.lan/x\"\nheaders = {{ Authorization = \"Bearer sekrit\" }}\n"
    ));
    let n = &cfg.alerts.notify;
    assert_eq!(n.public_url.as_deref(), Some("https://infra.example.org"));
    assert_eq!(n.rate_limit_per_hour, 10);
    let g = n.gotify.as_ref().unwrap();
    assert_eq!(g.url, "https://gotify.example.org");
    assert_eq!(g.token.expose(), "AbCdEf0123456789");
    assert_eq!(g.priorities, Priorities { info: 0, warning: 5, critical: 10 });
    let w = n.webhook.as_ref().unwrap();
    assert_eq!((w.url.expose(), w.headers[0].0.as_str()), ("http://hooks.lan/x", "Authorization"));
    let debug = format!("{cfg:?}");
    for secret in ["AbCdEf0123456789", "sekrit", "hooks.lan"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    let none = accept("");
    assert!(none.alerts.notify.gotify.is_none() && none.alerts.notify.webhook.is_none());
    assert_eq!(none.alerts.notify.rate_limit_per_hour, 30);
}

#[test]
fn a_token_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gotify.token");
    std::fs::write(&file, "FromFile0123456\n").unwrap();
    let cfg = accept(&format!("{GOTIFY}token_file = \"{}\"\n", file.display()));
    assert_eq!(cfg.alerts.notify.gotify.unwrap().token.expose(), "FromFile0123456");
    check(
        &format!("{GOTIFY}token_file = \"{}\"\n", dir.path().join("none").display()),
        "alerts.gotify.token_file: cannot read",
    );
}

#[test]
fn bad_notifier_settings_are_refused_with_the_field() {
    check(
        &format!("{GOTIFY}token = \"t\"\ntoken_file = \"/x\"\n"),
        "alerts.gotify.token_file: set either token or token_file, not both",
    );
    check(GOTIFY, "alerts.gotify.token: set token or token_file");
    check(&format!("{GOTIFY}token = \"  \"\n"), "alerts.gotify.token: must not be empty");
    check(
        &format!("{GOTIFY}token = \"t\"\npriorities = {{ warning = 11 }}\n"),
        "alerts.gotify.priorities.warning: must be between 0 and 10",
    );
    check(
        &format!("{GOTIFY}token = \"t\"\npriorities = {{ urgent = 9 }}\n"),
        "unknown field `urgent`",
    );
    check(
        "[alerts.gotify]\nurl = \"gotify.lan\"\ntoken = \"t\"\n",
        "alerts.gotify.url: invalid URL \"gotify.lan\"",
    );
    check(
        "[alerts.gotify]\nurl = \"ftp://gotify.lan\"\ntoken = \"t\"\n",
        "alerts.gotify.url: must be an http:// or https:// URL",
    );
    check("[alerts.gotify]\ntoken = \"t\"\n", "missing field `url`");
    check(
        "[alerts]\nrate_limit_per_hour = 0\n",
        "alerts.rate_limit_per_hour: must be between 1 and 3600",
    );
    check("[alerts]\npublic_url = \"nope\"\n", "alerts.public_url: invalid URL");
    check(
        "[alerts.webhook]\nurl = \"http://h/\"\nheaders = { \"Bad Name\" = \"v\" }\n",
        "alerts.webhook.headers.Bad Name: is not a valid header name",
    );
    let err = parse("[alerts.webhook]\nurl = \"ftp://hooks.lan/T0/sekrit\"\n", &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("alerts.webhook.url: must be an http") && !err.contains("sekrit"),
        "{err}"
    );
    // A secret's value never shows in an error.
    let err = parse(&format!("{GOTIFY}token = 1234567890123\n"), &[]).unwrap_err().to_string();
    assert!(!err.contains("1234567890123"), "{err}");
    let err = parse("[alerts.webhook]\nurl = \"http://h/\"\nheaders = { A = \"x\\ny\" }\n", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("alerts.webhook.headers.A") && !err.contains("x\ny"), "{err}");
}
