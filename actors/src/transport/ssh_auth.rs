//! SSH host-key verification against known_hosts, and user authentication (key file or agent)
//! with the `Auth` a device spec names.

use std::path::PathBuf;

use async_ssh2_lite::AsyncSession;
use async_ssh2_lite::ssh2::{CheckResult, HashType, KnownHostFileKind};
use base64::Engine as _;

use super::TransportError;
use super::ssh_options::SshOptions;
use super::ssh_stream::ReadyStream;

/// How to authenticate over SSH. `Debug` never shows the passphrase.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// A private key file (already `~`-expanded), with an optional passphrase.
    KeyFile {
        /// Path to the private key.
        path: PathBuf,
        /// Passphrase; never logged.
        passphrase: Option<String>,
    },
    /// Every identity the running ssh-agent (`SSH_AUTH_SOCK`) offers, in turn.
    Agent,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::KeyFile { path, passphrase } => f
                .debug_struct("KeyFile")
                .field("path", path)
                .field("passphrase", &passphrase.as_ref().map(|_| "***"))
                .finish(),
            Self::Agent => f.write_str("Agent"),
        }
    }
}

/// `SHA256:<base64>` fingerprint of the session's host key, as `ssh-keygen -l` prints it.
fn fingerprint(session: &AsyncSession<ReadyStream>) -> String {
    session
        .host_key_hash(HashType::Sha256)
        .map(|h| format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(h)))
        .unwrap_or_else(|| "unknown".into())
}

/// Refuses the session unless its host key matches an entry of `opts.known_hosts`.
pub fn verify_host_key(
    session: &AsyncSession<ReadyStream>,
    opts: &SshOptions,
) -> Result<(), TransportError> {
    let target = format!("{}:{}", opts.host, opts.port);
    let fail = |detail: String| TransportError::HostKey { target: target.clone(), detail };
    let path = &opts.known_hosts;
    let (key, _) = session.host_key().ok_or_else(|| fail("server sent no host key".into()))?;
    let mut known = session.known_hosts().map_err(|e| fail(format!("known_hosts: {e}")))?;
    if !path.exists() {
        return Err(fail(format!(
            "known_hosts file {} does not exist; verify the key ({}) and add it with \
             `ssh-keyscan -p {} {} >> {}`",
            path.display(),
            fingerprint(session),
            opts.port,
            opts.host,
            path.display()
        )));
    }
    known
        .read_file(path, KnownHostFileKind::OpenSSH)
        .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
    // OpenSSH records port 22 as `host` and others as `[host]:port`; libssh2's `check_port`
    // would also accept a port-22 key for another port, so look up exactly one name.
    let name = known_hosts_name(&opts.host, opts.port);
    match known.check(&name, key) {
        CheckResult::Match => Ok(()),
        CheckResult::NotFound => Err(fail(format!(
            "host key {} is not in {}; verify it and add it with `ssh-keyscan -p {} {} >> {}`",
            fingerprint(session),
            path.display(),
            opts.port,
            opts.host,
            path.display()
        ))),
        CheckResult::Mismatch => Err(fail(format!(
            "host key {} does NOT match the key recorded in {}: the device was reinstalled or \
             someone is intercepting the connection; if the change is expected, remove the old \
             entry with `ssh-keygen -R '{}' -f {}`",
            fingerprint(session),
            path.display(),
            name,
            path.display()
        ))),
        CheckResult::Failure => Err(fail(format!("could not check {}", path.display()))),
    }
}

/// The known_hosts name OpenSSH uses for `host` on `port`.
pub fn known_hosts_name(host: &str, port: u16) -> String {
    if port == 22 { host.to_string() } else { format!("[{host}]:{port}") }
}

/// Whether an authentication error is the connection failing (not a refusal, a bad key file
/// or a wrong passphrase): I/O errors and libssh2's socket, timeout and disconnect codes.
fn is_connection_failure(e: &async_ssh2_lite::Error) -> bool {
    use async_ssh2_lite::ssh2::ErrorCode;
    match e {
        async_ssh2_lite::Error::Io(_) => true,
        async_ssh2_lite::Error::Ssh2(e) => {
            matches!(e.code(), ErrorCode::Session(-7 | -9 | -13 | -43))
        }
        async_ssh2_lite::Error::Other(_) => false,
    }
}

/// Logs in as `opts.user` with the configured key file or every agent identity in turn.
pub async fn authenticate(
    session: &AsyncSession<ReadyStream>,
    opts: &SshOptions,
) -> Result<(), TransportError> {
    let fail = |detail: String| TransportError::Auth {
        user: opts.user.clone(),
        target: format!("{}:{}", opts.host, opts.port),
        detail,
    };
    match &opts.auth {
        Auth::KeyFile { path, passphrase } => {
            if !path.exists() {
                return Err(fail(format!("key file {} does not exist", path.display())));
            }
            session
                .userauth_pubkey_file(&opts.user, None, path, passphrase.as_deref())
                .await
                .map_err(|e| {
                    if is_connection_failure(&e) {
                        TransportError::Unreachable {
                            target: format!("{}:{}", opts.host, opts.port),
                            detail: format!("connection failed during authentication: {e}"),
                        }
                    } else {
                        fail(format!("key {} was refused ({})", path.display(), ssh2_message(&e)))
                    }
                })?;
        }
        Auth::Agent => {
            if std::env::var_os("SSH_AUTH_SOCK").is_none() {
                return Err(fail("agent auth configured but SSH_AUTH_SOCK is not set".into()));
            }
            session
                .userauth_agent_with_try_next(&opts.user)
                .await
                .map_err(|e| fail(format!("no agent identity was accepted ({e})")))?;
        }
    }
    if session.authenticated() {
        Ok(())
    } else {
        Err(fail("server did not accept the credentials".into()))
    }
}

/// libssh2's message for an error, without the Debug wrapping.
fn ssh2_message(e: &async_ssh2_lite::Error) -> String {
    match e {
        async_ssh2_lite::Error::Ssh2(e) => e.message().to_lowercase(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_passphrase() {
        let auth = Auth::KeyFile { path: "/k".into(), passphrase: Some("hunter2".into()) };
        let shown = format!("{auth:?}");
        assert!(!shown.contains("hunter2") && shown.contains("***"), "{shown}");
    }
}
