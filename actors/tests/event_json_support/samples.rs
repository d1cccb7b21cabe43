//! Example payloads of the event JSON snapshot test that need more than a line: the images
//! of `tests/fixtures/images` (captured from Docker 20.10 and a real registry) and a restic job.

use chrono::Utc;
use infrastructor_actors::model::backups::{BackupJob, BackupSource};
use infrastructor_actors::model::images::{ImageStatus, ImageUpdate, ImageVerdict};

const APP_ID: &str = "sha256:68e13ac07f924af1d849bdf699b1b3f0089b30230c256f8596253591d807e521";
const OLD_DIGEST: &str = "sha256:bdf4c592c8915032eedf358e75689658cf4f7caca4d71a8cc767c636da1eac6f";
const NEW_DIGEST: &str = "sha256:2d4e6245081dcc610c6552aa774f71f47684965dbe2ced5f404e0d1e5e91f795";

/// The images of `tests/fixtures/images`: `app` outdated, `pinned` by digest, `built` here.
pub fn images_sample(at: chrono::DateTime<Utc>) -> Vec<ImageStatus> {
    let base = ImageStatus {
        reference: "127.0.0.1:5055/app:1".into(),
        image_id: APP_ID.into(),
        containers: vec!["app".into()],
        verdict: ImageVerdict::Outdated,
        local_digest: Some(OLD_DIGEST.into()),
        remote_digest: Some(NEW_DIGEST.into()),
        outdated_since: Some(at - chrono::Duration::hours(6)),
        method: Some("head".into()),
        evidence: vec![],
    };
    vec![
        base.clone(),
        ImageStatus {
            reference: format!("127.0.0.1:5055/app@{OLD_DIGEST}"),
            containers: vec!["pinned".into()],
            verdict: ImageVerdict::Pinned,
            remote_digest: None,
            outdated_since: None,
            method: None,
            ..base.clone()
        },
        ImageStatus {
            reference: "local/built".into(),
            image_id: "sha256:0eeccd90a72264033d3163956ce769ed9cc84761b3b41a9550e37e3afaf102a6".into(),
            containers: vec!["built".into()],
            verdict: ImageVerdict::Local,
            local_digest: None,
            remote_digest: None,
            outdated_since: None,
            method: None,
            evidence: vec!["the image has no digest of docker.io/local/built: built or imported here, never pulled or pushed".into()],
        },
    ]
}

pub fn restic_job() -> BackupJob {
    BackupJob {
        name: "nightly".into(),
        source: BackupSource::Restic {
            repository: "sftp:backup@vault:/srv/restic".into(),
            password_file: "/root/.restic-password".into(),
            env_file: None,
            check_interval_seconds: Some(7 * 86_400),
        },
        max_age_seconds: 93_600,
    }
}

/// The update of `app` in `tests/fixtures/images`: a new image pushed under its tag.
pub fn image_update() -> ImageUpdate {
    ImageUpdate {
        reference: "127.0.0.1:5055/app:1".into(),
        image_id: APP_ID.into(),
        containers: vec!["app".into()],
        local_digest: Some(OLD_DIGEST.into()),
        remote_digest: NEW_DIGEST.into(),
    }
}
