//! Images probe: for every image in use by a container, the local repo digest against the
//! registry's current digest for the same tag, asked from the device (its network, its
//! credentials); `ImageUpdateAvailable` once per new remote digest. Never pulls.

mod compare;
pub mod parse;
pub mod reference;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::command::images::{REMOTE_BATCH, images_local, images_remote};
use crate::events::EventKind;
use crate::model::images::{ImageStatus, ImageUpdate, ImageVerdict};
use crate::transport::TransportError;

use super::{PollContext, Probe, ProbeError, sections};
use parse::{LocalSide, RemoteAnswer};
use reference::RegistryConfig;

/// Which remote digest of an image was last reported, since when it is newer, and how it
/// was asked (`head` sees a multi-arch index's digest, `manifest` a platform's).
type Known = HashMap<(String, String), (String, DateTime<Utc>, Option<String>)>;

/// Compares the images in use with their registries.
#[derive(Debug, Default)]
pub struct ImagesProbe {
    /// Outdated images: `(reference, image id) → (remote digest reported, since)`.
    known: Known,
}

#[async_trait::async_trait]
impl Probe for ImagesProbe {
    fn name(&self) -> &'static str {
        "images"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("docker")
    }

    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::ImagesSampled { images } = &last.kind {
            self.known = images
                .iter()
                .filter_map(|s| {
                    let key = (s.reference.clone(), s.image_id.clone());
                    Some((key, (s.remote_digest.clone()?, s.outdated_since?, s.method.clone())))
                })
                .collect();
        }
    }

    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let cmd = images_local();
        let out = ctx.run(&cmd).await?;
        let (_, found) = sections::split(&out.stdout, cmd.section_nonce());
        let section = |n: &str| found.iter().find(|s| s.name == n);
        let (Some(registry), Some(containers), Some(images)) =
            (section("registry"), section("containers"), section("images"))
        else {
            return Err(ProbeError::Output {
                command: "images_local",
                detail: format!(
                    "sections missing (exit {}): {}",
                    out.status,
                    super::first_line(&out.stderr)
                ),
            });
        };
        let (c_lines, c_status) = parse::split_exit(&containers.lines);
        if c_status != Some(0) && c_lines.iter().all(|l| !l.contains('\t')) {
            return Err(ProbeError::Command {
                command: "images_local",
                status: c_status.unwrap_or(-1),
                stderr: super::first_line(&c_lines.join("\n")),
            });
        }
        let mut local = LocalSide::default();
        let mut warnings = Vec::new();
        parse::parse_containers(&c_lines, containers.first_line, &mut local, &mut warnings);
        let (i_lines, _) = parse::split_exit(&images.lines);
        parse::parse_images(&i_lines, images.first_line, &mut local, &mut warnings);
        let (r_lines, _) = parse::split_exit(&registry.lines);
        let registries = RegistryConfig::parse(&r_lines.join("\n"));
        for w in &warnings {
            tracing::debug!(line = ?w.line, message = %w.message, "images: skipped a line");
        }

        let (pending, questions) = compare::classify(&local, &registries);
        let answers = ask(ctx, &questions).await?;
        let statuses: Vec<ImageStatus> = pending
            .iter()
            .map(|p| match p.question {
                Some(q) => compare::judge(p, &answers[q]),
                None => p.status.clone(),
            })
            .collect();
        let (statuses, updates) = self.diff(statuses, ctx.observed_at);
        let mut events = vec![EventKind::ImagesSampled { images: statuses }];
        events.extend(updates.into_iter().map(|update| EventKind::ImageUpdateAvailable { update }));
        Ok(events)
    }
}

/// Asks every question, batch by batch; a batch that timed out or was cut answers `Failed`
/// for its questions, a device that went away fails the poll.
async fn ask(
    ctx: &PollContext<'_>,
    questions: &[crate::command::images::RemoteQuestion],
) -> Result<Vec<RemoteAnswer>, ProbeError> {
    let mut answers = Vec::with_capacity(questions.len());
    for (b, cmd) in images_remote(questions).into_iter().enumerate() {
        let n = questions.len().saturating_sub(b * REMOTE_BATCH).min(REMOTE_BATCH);
        match ctx.run_long(&cmd).await {
            Ok(out) => {
                let (_, found) = sections::split(&out.stdout, cmd.section_nonce());
                for i in 0..n {
                    let name = format!("r{i}");
                    answers.push(match found.iter().find(|s| s.name == name) {
                        Some(s) => parse::parse_answer(&s.lines),
                        None => RemoteAnswer::Failed(format!(
                            "no answer (exit {}): {}",
                            out.status,
                            super::first_line(&out.stderr)
                        )),
                    });
                }
            }
            Err(
                e @ (TransportError::Timeout { .. }
                | TransportError::Hung { .. }
                | TransportError::Incomplete { .. }),
            ) => {
                answers
                    .extend((0..n).map(|_| RemoteAnswer::Failed(format!("registry check: {e}"))));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(answers)
}

impl ImagesProbe {
    /// Dates each outdated image and picks the updates to report: an outdated image whose
    /// remote digest was not reported before. An image whose registry could not be asked
    /// keeps what was known of it, so the same digest is not reported again later.
    fn diff(
        &mut self,
        mut statuses: Vec<ImageStatus>,
        now: DateTime<Utc>,
    ) -> (Vec<ImageStatus>, Vec<ImageUpdate>) {
        let mut known = Known::new();
        let mut updates = Vec::new();
        for s in &mut statuses {
            let key = (s.reference.clone(), s.image_id.clone());
            let before = self.known.get(&key).cloned();
            match (s.verdict, &s.remote_digest) {
                (ImageVerdict::Outdated, Some(remote)) => {
                    // The same digest, or the same update seen through the other method
                    // (which names another digest of the same image): nothing new.
                    let since = match before {
                        Some((d, since, m)) if &d == remote || m != s.method => since,
                        _ => {
                            updates.push(ImageUpdate {
                                reference: s.reference.clone(),
                                image_id: s.image_id.clone(),
                                containers: s.containers.clone(),
                                local_digest: s.local_digest.clone(),
                                remote_digest: remote.clone(),
                            });
                            now
                        }
                    };
                    s.outdated_since = Some(since);
                    known.insert(key, (remote.clone(), since, s.method.clone()));
                }
                (ImageVerdict::Unknown, _) => {
                    if let Some((d, since, m)) = before {
                        s.remote_digest = Some(d.clone());
                        s.outdated_since = Some(since);
                        s.method = m.clone();
                        known.insert(key, (d, since, m));
                    }
                }
                _ => {}
            }
        }
        self.known = known;
        (statuses, updates)
    }
}
