//! Logging setup: `tracing` to stderr, filtered by `RUST_LOG`, coloured only on a terminal.
//!
//! Colour (ANSI escapes) is used only when stderr is a terminal and `NO_COLOR` is unset or
//! empty (<https://no-color.org>), so logs piped to a file or journald stay plain text.

use std::io::IsTerminal;

/// Default filter when `RUST_LOG` is unset or invalid.
pub const DEFAULT_FILTER: &str = "info,poem=warn";

/// Whether log lines get colour: only on a terminal, and never when `NO_COLOR` has a value.
pub fn use_colour(stderr_is_terminal: bool, no_color: Option<&str>) -> bool {
    stderr_is_terminal && no_color.is_none_or(str::is_empty)
}

/// Installs the global subscriber: stderr, `RUST_LOG` (else [`DEFAULT_FILTER`]), colour per
/// [`use_colour`] with the real stderr and environment.
pub fn init() {
    let no_color = std::env::var_os("NO_COLOR");
    let colour = use_colour(
        std::io::stderr().is_terminal(),
        no_color.as_ref().map(|v| v.to_str().unwrap_or("x")),
    );
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| DEFAULT_FILTER.into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        for (terminal, no_color, expect) in [
            (true, None, true),
            (true, Some(""), true),
            (true, Some("1"), false),
            (true, Some("0"), false),
            (true, Some("false"), false),
            (false, None, false),
            (false, Some(""), false),
            (false, Some("1"), false),
        ] {
            assert_eq!(use_colour(terminal, no_color), expect, "{terminal} {no_color:?}");
        }
    }
}
