//! Bearer-token auth shared by `/mcp`, `/api` and `/ws`: the token is compared in constant
//! time against every configured one, the caller (token name and scope) is attached to the
//! request, and a missing or wrong token is a 401 with a `WWW-Authenticate` header.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::config::{ApiToken, Scope};

/// Who is calling (attached to every authenticated request's extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name (`local` when no tokens are configured).
    pub name: String,
    /// What the token may do.
    pub scope: Scope,
}

/// The configured tokens. Without any, every caller is a local admin (the server then
/// listens on loopback only).
#[derive(Clone, Default)]
pub struct Tokens {
    tokens: Arc<Vec<ApiToken>>,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization: Bearer` header (or `?token=` where allowed).
    Missing,
    /// A token that matches none.
    Invalid,
}

/// Compares two byte strings in time that depends only on their lengths' maximum.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

impl Tokens {
    /// Accepts these tokens.
    pub fn new(tokens: Vec<ApiToken>) -> Self {
        Self { tokens: Arc::new(tokens) }
    }

    /// Whether any token is configured.
    pub fn enabled(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// The caller presenting `token` (`None`: no token given).
    pub fn check(&self, token: Option<&str>) -> Result<Caller, AuthError> {
        if !self.enabled() {
            return Ok(Caller { name: "local".into(), scope: Scope::Admin });
        }
        let token = token.ok_or(AuthError::Missing)?;
        // Every token is compared, so the time taken does not tell which one matched.
        let mut found = None;
        for t in self.tokens.iter() {
            if ct_eq(t.token.expose().as_bytes(), token.as_bytes()) {
                found = Some(Caller { name: t.name.clone(), scope: t.scope });
            }
        }
        found.ok_or(AuthError::Invalid)
    }

    /// The caller of an HTTP request (`Authorization: Bearer …`).
    pub fn check_request(&self, req: &Request) -> Result<Caller, AuthError> {
        self.check(bearer(req))
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(poem::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// The 401 answer, in the error shape every face uses.
pub fn unauthorized(e: AuthError) -> Response {
    let (challenge, message) = match e {
        AuthError::Missing => (
            r#"Bearer realm="infrastructor""#,
            "authentication required: send Authorization: Bearer <token>",
        ),
        AuthError::Invalid => {
            (r#"Bearer realm="infrastructor", error="invalid_token""#, "the token is not valid")
        }
    };
    let body = serde_json::json!({ "error": "unauthorized", "message": message });
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header(poem::http::header::WWW_AUTHENTICATE, challenge)
        .content_type("application/json")
        .body(body.to_string())
}

/// Wraps `ep` so only callers with a valid token reach it; the [`Caller`] is put in the
/// request's extensions.
pub fn require<E: Endpoint + 'static>(tokens: Tokens, ep: E) -> impl Endpoint {
    use poem::EndpointExt;
    ep.around(move |ep, mut req| {
        let tokens = tokens.clone();
        async move {
            match tokens.check_request(&req) {
                Ok(caller) => {
                    req.extensions_mut().insert(caller);
                    Ok(ep.call(req).await?.into_response())
                }
                Err(e) => Ok(unauthorized(e)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn tokens() -> Tokens {
        let t = |name: &str, token: &str, scope| ApiToken {
            name: name.into(),
            token: Secret::new(token),
            scope,
        };
        Tokens::new(vec![
            t("ro", "read-token-0123456789", Scope::Read),
            t("rw", "admin-token-0123456789", Scope::Admin),
        ])
    }

    #[test]
    fn tokens_are_checked() {
        let t = tokens();
        assert_eq!(t.check(None), Err(AuthError::Missing));
        assert_eq!(t.check(Some("nope")), Err(AuthError::Invalid));
        assert_eq!(t.check(Some("read-token-012345678")), Err(AuthError::Invalid));
        assert_eq!(t.check(Some("read-token-01234567890")), Err(AuthError::Invalid));
        assert_eq!(t.check(Some("read-token-0123456789")).unwrap().scope, Scope::Read);
        assert_eq!(t.check(Some("admin-token-0123456789")).unwrap().name, "rw");
        let open = Tokens::default();
        assert_eq!(open.check(None).unwrap().scope, Scope::Admin);
    }

    #[test]
    fn ct_eq_compares_bytes() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
        assert!(!ct_eq(b"", b"a"));
        assert!(ct_eq(b"", b""));
    }
}
