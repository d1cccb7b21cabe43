//! The one error shape of `/api` (`{error, message, details}`): the documented failure
//! responses, facade errors mapped to HTTP statuses, and every other error poem or
//! poem-openapi raises (a bad parameter, a wrong content type, an unknown route) rewritten
//! into the same shape.

use infrastructor_actors::api::ApiError;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use serde_json::{Value, json};

/// What went wrong.
#[derive(Debug, Object)]
pub struct ErrorBody {
    /// A stable code: `invalid_argument`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `payload_too_large`, `unsupported_media_type`, `device_failed`,
    /// `unavailable`, `timeout`.
    pub error: String,
    /// What to do about it, in words.
    pub message: String,
    /// Which parameter or field was wrong, when one was (`{"parameter": "limit"}`).
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<Value>,
}

/// The failures every operation may answer with.
#[derive(Debug, ApiResponse)]
pub enum Failure {
    /// Bad input: a parameter or a body field is missing or breaks its rule; `details` names
    /// it. Nothing was changed.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No bearer token, or a token that matches none (with a `WWW-Authenticate` header).
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The token's scope does not allow this (actions need `admin`), or actions are disabled.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such device, container, drive or metric.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// Refused as things are: a device from the config file (edit the file), a name taken,
    /// a device offline, a probe not enabled.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The request body is larger than the cap.
    #[oai(status = 413)]
    TooLarge(Json<ErrorBody>),
    /// The request body is not `application/json`.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// It ran on the device and failed (a tool error, the device unreachable mid-command).
    #[oai(status = 502)]
    DeviceFailed(Json<ErrorBody>),
    /// Nobody can answer right now (history store unreachable, shutting down).
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
    /// No answer within the deadline.
    #[oai(status = 504)]
    Timeout(Json<ErrorBody>),
}

fn body(error: &str, message: String, details: Option<Value>) -> Json<ErrorBody> {
    Json(ErrorBody { error: error.into(), message, details })
}

impl Failure {
    /// A 400 naming `field`.
    pub fn invalid(field: &str, message: String) -> Self {
        Self::BadRequest(body("invalid_argument", message, Some(json!({ "field": field }))))
    }

    /// A 403.
    pub fn forbidden(message: String) -> Self {
        Self::Forbidden(body("forbidden", message, None))
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        let message = e.to_string();
        match e {
            ApiError::Invalid(_) => Self::BadRequest(body("invalid_argument", message, None)),
            ApiError::NotFound(_) => Self::NotFound(body("not_found", message, None)),
            ApiError::Refused(_) => Self::Conflict(body("conflict", message, None)),
            ApiError::Failed(_) => Self::DeviceFailed(body("device_failed", message, None)),
            ApiError::Unavailable(_) => Self::Unavailable(body("unavailable", message, None)),
            ApiError::Timeout(_) => Self::Timeout(body("timeout", message, None)),
        }
    }
}

/// The error code of a status poem chose.
fn code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "invalid_argument",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "invalid_argument",
    }
}

/// poem-openapi's validator wording (`verification failed. minimum(1, exclusive: false)`)
/// in words.
fn plain(reason: &str) -> String {
    let Some(rule) = reason.strip_prefix("verification failed. ") else {
        return reason.to_string();
    };
    let bound = |name: &str| {
        let inner = rule.strip_prefix(name)?.strip_prefix('(')?;
        inner.split(',').next().map(str::trim).map(String::from)
    };
    match (bound("minimum"), bound("maximum")) {
        (Some(min), _) => format!("must be at least {min}"),
        (_, Some(max)) => format!("must be at most {max}"),
        _ => format!("breaks its rule: {rule}"),
    }
}

/// Any poem error as a response in the one shape: parameters and bodies that do not parse
/// are 400 with the parameter named in `details`.
pub fn respond(e: poem::Error) -> Response {
    use poem_openapi::error::{ContentTypeError, ParseParamError, ParseRequestPayloadError};
    if e.is_from_response() {
        // One of the documented failures, already in shape.
        return e.into_response();
    }
    let status = e.status();
    let (status, message, details) = if let Some(p) = e.downcast_ref::<ParseParamError>() {
        let message = format!("parameter `{}`: {}", p.name, plain(&p.reason));
        (StatusCode::BAD_REQUEST, message, Some(json!({ "parameter": p.name })))
    } else if let Some(p) = e.downcast_ref::<ParseRequestPayloadError>() {
        let message = format!("the request body is not valid: {}", p.reason);
        (StatusCode::BAD_REQUEST, message, Some(json!({ "body": p.reason })))
    } else if let Some(c) = e.downcast_ref::<ContentTypeError>() {
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, c.to_string(), None)
    } else if status == StatusCode::NOT_FOUND {
        (status, "no such API route (see /api/openapi.json)".to_string(), None)
    } else if status.is_server_error() {
        tracing::warn!(error = %e, "API request failed");
        (status, "internal error (see the server log)".to_string(), None)
    } else {
        (status, e.to_string(), None)
    };
    let body = ErrorBody { error: code(status).into(), message, details };
    let mut resp = Json(body).into_response();
    resp.set_status(status);
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn validator_reasons_read_as_words() {
        assert_eq!(
            super::plain("verification failed. minimum(1, exclusive: false)"),
            "must be at least 1"
        );
        assert_eq!(
            super::plain("verification failed. maximum(500, exclusive: false)"),
            "must be at most 500"
        );
        assert_eq!(super::plain("failed to parse \"u32\""), "failed to parse \"u32\"");
    }
}
