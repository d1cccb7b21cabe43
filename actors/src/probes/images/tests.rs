//! Fixture tests for the images probe: outputs captured from Docker 20.10/28.2 and a real
//! registry (distribution 2.8.2) on loopback, see `tests/fixtures/images/VERSION.md`.

use chrono::{TimeZone, Utc};

use super::parse::{RemoteAnswer, parse_answer, parse_containers, parse_images};
use super::reference::{ImageRef, RegistryConfig, is_image_id};
use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/images/", $name))
    };
}

const OLD: &str = "sha256:bdf4c592c8915032eedf358e75689658cf4f7caca4d71a8cc767c636da1eac6f";
const NEW: &str = "sha256:2d4e6245081dcc610c6552aa774f71f47684965dbe2ced5f404e0d1e5e91f795";

fn local() -> LocalSide {
    let mut side = LocalSide::default();
    let mut w = Vec::new();
    let c: Vec<&str> = fixture!("containers.tsv").lines().collect();
    parse_containers(&c, 1, &mut side, &mut w);
    let i: Vec<&str> = fixture!("images.tsv").lines().collect();
    parse_images(&i, 1, &mut side, &mut w);
    assert!(w.is_empty(), "{w:?}");
    side
}

/// A HEAD answer as the remote command prints it for `headers` (curl's output).
fn head(headers: &str) -> RemoteAnswer {
    let d = headers
        .lines()
        .find_map(|l| l.strip_prefix("Docker-Content-Digest: "))
        .map(|d| format!("digest:{}", d.trim()));
    let lines: Vec<String> =
        [format!("head:{}", headers.lines().next().unwrap().trim())].into_iter().chain(d).collect();
    parse_answer(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

fn manifest(out: &str, exit: i32) -> RemoteAnswer {
    let text = format!("manifest:\n{out}\nexit:{exit}");
    parse_answer(&text.lines().collect::<Vec<_>>())
}

#[test]
fn references_normalise_like_docker() {
    let r = ImageRef::parse("nginx").unwrap();
    assert_eq!(
        (r.domain.as_str(), r.path.as_str(), r.tag.as_deref()),
        ("docker.io", "library/nginx", Some("latest"))
    );
    assert_eq!(r.api_host(), "registry-1.docker.io");
    let r = ImageRef::parse("127.0.0.1:5055/app:1").unwrap();
    assert_eq!(
        (r.domain.as_str(), r.path.as_str(), r.tag.as_deref()),
        ("127.0.0.1:5055", "app", Some("1"))
    );
    let r = ImageRef::parse("ghcr.io/home-assistant/home-assistant:stable").unwrap();
    assert_eq!(r.api_host(), "ghcr.io");
    let pinned = ImageRef::parse(&format!("127.0.0.1:5055/app@{OLD}")).unwrap();
    assert_eq!((pinned.tag, pinned.digest.as_deref()), (None, Some(OLD)));
    assert!(ImageRef::parse("docker.io/library/nginx:1.27").unwrap().same_repository(
        &ImageRef::parse("nginx@sha256:0123456789abcdef0123456789abcdef").unwrap()
    ));
    for bad in ["", "Nginx", "nginx:", "nginx:-x", "a b", "nginx@md5", "x//y", "nginx:1;reboot"] {
        assert_eq!(ImageRef::parse(bad), None, "{bad:?}");
    }
    assert!(is_image_id("sha256:68e13ac07f92", "sha256:68e13ac07f924af1"));
    assert!(is_image_id("68e13ac07f92", "sha256:68e13ac07f924af1"));
    assert!(!is_image_id("nginx", "sha256:68e13ac07f924af1"));
}

#[test]
fn the_engine_says_which_registries_are_insecure() {
    let cfg = RegistryConfig::parse(fixture!("registry-config.json"));
    assert!(cfg.is_insecure("127.0.0.1:5055") && cfg.is_insecure("localhost:5000"));
    assert!(!cfg.is_insecure("docker.io") && !cfg.is_insecure("registry.lan:5000"));
    let cfg = RegistryConfig::parse(
        r#"{"InsecureRegistryCIDRs":["10.0.0.0/8"],"IndexConfigs":{"registry.lan:5000":{"Secure":false}}}"#,
    );
    assert!(cfg.is_insecure("10.1.2.3:5000") && cfg.is_insecure("registry.lan:5000"));
    assert!(!cfg.is_insecure("127.0.0.1:5000"), "only what the engine lists");
    assert_eq!(RegistryConfig::parse("garbage"), RegistryConfig::loopback());
}

#[test]
fn pinned_and_local_images_are_not_asked() {
    let (pending, questions) = compare::classify(&local(), &RegistryConfig::loopback());
    let by = |c: &str| pending.iter().find(|p| p.status.containers == [c]).unwrap();
    assert_eq!(by("pinned").status.verdict, ImageVerdict::Pinned);
    assert_eq!(by("built").status.verdict, ImageVerdict::Local);
    assert!(by("built").status.evidence[0].contains("built or imported here"));
    assert_eq!(by("app").question, Some(0));
    assert_eq!(by("app").status.local_digest.as_deref(), Some(OLD));
    assert_eq!(questions.len(), 1);
    let q = &questions[0];
    assert_eq!(
        (q.host.as_str(), q.repository.as_str(), q.tag.as_str(), q.insecure),
        ("127.0.0.1:5055", "app", "1", true)
    );
}

#[test]
fn head_and_manifest_answers_judge_alike() {
    let (pending, _) = compare::classify(&local(), &RegistryConfig::loopback());
    let app = pending.iter().find(|p| p.status.containers == ["app"]).unwrap();
    let now = compare::judge(app, &head(fixture!("head-current.txt")));
    assert_eq!((now.verdict, now.method.as_deref()), (ImageVerdict::Current, Some("head")));
    let later = compare::judge(app, &head(fixture!("head-newer.txt")));
    assert_eq!(
        (later.verdict, later.remote_digest.as_deref()),
        (ImageVerdict::Outdated, Some(NEW))
    );
    for m in [fixture!("manifest-v-20.10.json"), fixture!("manifest-v-28.2.json")] {
        let s = compare::judge(app, &manifest(m, 0));
        assert_eq!((s.verdict, s.method.as_deref()), (ImageVerdict::Current, Some("manifest")));
        assert_eq!(s.remote_digest.as_deref(), Some(OLD));
    }
    let unknown = head(fixture!("head-unknown.txt"));
    assert_eq!(
        unknown,
        RemoteAnswer::Failed("registry answered HTTP/1.1 404 Not Found without a digest".into())
    );
    let gone = manifest(fixture!("manifest-unknown.stderr"), 1);
    let s = compare::judge(app, &gone);
    assert_eq!(s.verdict, ImageVerdict::Unknown);
    assert_eq!(
        s.evidence,
        ["docker manifest inspect exited with 1: no such manifest: 127.0.0.1:5055/app:9"]
    );
}

#[test]
fn a_list_is_current_when_any_platform_is_the_local_image() {
    let (pending, _) = compare::classify(&local(), &RegistryConfig::loopback());
    let app = pending.iter().find(|p| p.status.containers == ["app"]).unwrap();
    let id = &app.status.image_id;
    let (aa, bb, c1) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
    let list = |config: &str| {
        format!(
            r#"[{{"Descriptor":{{"digest":"sha256:{aa}","platform":{{"os":"linux","architecture":"arm64"}}}},"SchemaV2Manifest":{{"config":{{"digest":"sha256:{c1}"}}}}}},
               {{"Descriptor":{{"digest":"sha256:{bb}","platform":{{"os":"linux","architecture":"amd64"}}}},"OCIManifest":{{"config":{{"digest":"{config}"}}}}}}]"#
        )
    };
    assert_eq!(compare::judge(app, &manifest(&list(id), 0)).verdict, ImageVerdict::Current);
    let s = compare::judge(app, &manifest(&list(&format!("sha256:{}", "d".repeat(64))), 0));
    assert_eq!(
        (s.verdict, s.remote_digest.clone()),
        (ImageVerdict::Outdated, Some(format!("sha256:{bb}"))),
        "the device's platform"
    );
    assert!(matches!(manifest("not json", 0), RemoteAnswer::Failed(w) if w.contains("no JSON")));
}

#[test]
fn an_update_is_reported_once_per_remote_digest_and_across_restarts() {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let (pending, _) = compare::classify(&local(), &RegistryConfig::loopback());
    let app = pending.iter().find(|p| p.status.containers == ["app"]).unwrap().clone();
    let poll = |probe: &mut ImagesProbe, answer: &RemoteAnswer, at| {
        probe.diff(vec![compare::judge(&app, answer)], at)
    };
    let mut probe = ImagesProbe::default();
    let (_, u) = poll(&mut probe, &head(fixture!("head-current.txt")), t0);
    assert!(u.is_empty());
    let newer = head(fixture!("head-newer.txt"));
    let (s, u) = poll(&mut probe, &newer, t0 + chrono::Duration::hours(6));
    assert_eq!(u.len(), 1);
    assert_eq!(
        (u[0].containers.as_slice(), u[0].remote_digest.as_str()),
        (["app".to_string()].as_slice(), NEW)
    );
    let since = s[0].outdated_since.unwrap();
    let (s, u) = poll(&mut probe, &newer, t0 + chrono::Duration::hours(12));
    assert!(u.is_empty(), "same digest: no second report");
    assert_eq!(s[0].outdated_since, Some(since));
    let (s, u) =
        poll(&mut probe, &RemoteAnswer::Failed("timeout".into()), t0 + chrono::Duration::hours(18));
    assert!(u.is_empty());
    assert_eq!((s[0].verdict, s[0].remote_digest.as_deref()), (ImageVerdict::Unknown, Some(NEW)));
    let sample = crate::events::Event::new("d", t0, EventKind::ImagesSampled { images: s });
    let mut restarted = ImagesProbe::default();
    restarted.resume(&sample);
    let (s, u) = poll(&mut restarted, &newer, t0 + chrono::Duration::hours(24));
    assert!(u.is_empty(), "resumed: still the same digest");
    assert_eq!(s[0].outdated_since, Some(since));
    let newest = RemoteAnswer::Head("sha256:ffff".into());
    let (_, u) = poll(&mut restarted, &newest, t0 + chrono::Duration::hours(30));
    assert_eq!(u.len(), 1, "a newer digest again is reported again");
}

#[test]
fn garbage_lines_are_warnings_not_failures() {
    let mut side = LocalSide::default();
    let mut w = Vec::new();
    parse_containers(
        &["Error: No such container: abc", "/ok\tnginx\tsha256:1"],
        1,
        &mut side,
        &mut w,
    );
    parse_images(
        &["sha256:1\tlinux/amd64\tnot json", "sha256:2\tlinux/amd64\tnull"],
        5,
        &mut side,
        &mut w,
    );
    assert_eq!(side.groups.len(), 1);
    assert_eq!(side.images.len(), 1);
    assert_eq!(w.iter().map(|w| w.line).collect::<Vec<_>>(), [Some(1), Some(5)]);
}

#[test]
fn a_404_a_bad_digest_and_the_containerd_store_are_unknown_not_outdated() {
    let nf = parse_answer(&["head:HTTP/1.1 404 Not Found", "notfound:"]);
    assert_eq!(
        nf,
        RemoteAnswer::Failed("the registry has no such tag (HTTP/1.1 404 Not Found)".into())
    );
    let bad = parse_answer(&["head:HTTP/1.1 200 OK", "digest:sha256:$(reboot)"]);
    assert!(matches!(&bad, RemoteAnswer::Failed(w) if w.contains("malformed")), "{bad:?}");
    // The containerd image store: the image id is the index digest, which a list from
    // `docker manifest inspect -v` does not show.
    let index = format!("sha256:{}", "e".repeat(64));
    let mut side = LocalSide::default();
    let mut w = Vec::new();
    parse_containers(&[&format!("/web\tnginx:1.27\t{index}")], 1, &mut side, &mut w);
    parse_images(&[&format!("{index}\tlinux/amd64\t[\"nginx@{index}\"]")], 1, &mut side, &mut w);
    let (pending, questions) = compare::classify(&side, &RegistryConfig::loopback());
    assert_eq!(questions[0].host, "registry-1.docker.io");
    let list = format!(
        r#"[{{"Descriptor":{{"digest":"sha256:{}","platform":{{"os":"linux","architecture":"amd64"}}}}}},
           {{"Descriptor":{{"digest":"sha256:{}","platform":{{"os":"linux","architecture":"arm64"}}}}}}]"#,
        "1".repeat(64),
        "2".repeat(64)
    );
    let s = compare::judge(&pending[0], &manifest(&list, 0));
    assert_eq!(s.verdict, ImageVerdict::Unknown, "{s:?}");
    assert!(s.evidence[0].contains("containerd image store"), "{s:?}");
    let same = compare::judge(&pending[0], &RemoteAnswer::Head(index.clone()));
    assert_eq!(same.verdict, ImageVerdict::Current, "HEAD sees the index digest");
}

#[test]
fn the_same_update_seen_by_the_other_method_is_not_reported_again() {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let (pending, _) = compare::classify(&local(), &RegistryConfig::loopback());
    let app = pending.iter().find(|p| p.status.containers == ["app"]).unwrap().clone();
    let mut probe = ImagesProbe::default();
    let (_, u) = probe.diff(vec![compare::judge(&app, &head(fixture!("head-newer.txt")))], t0);
    assert_eq!(u.len(), 1);
    // The fallback names a platform manifest: another digest of the same update.
    let platform = RemoteAnswer::Manifests(vec![super::parse::RemoteManifest {
        digest: format!("sha256:{}", "9".repeat(64)),
        config: Some(format!("sha256:{}", "8".repeat(64))),
        platform: Some("linux/amd64".into()),
    }]);
    let later = t0 + chrono::Duration::hours(6);
    let (s, u) = probe.diff(vec![compare::judge(&app, &platform)], later);
    assert!(u.is_empty(), "{u:?}");
    assert_eq!((s[0].verdict, s[0].outdated_since), (ImageVerdict::Outdated, Some(t0)));
    let (_, u) = probe.diff(vec![compare::judge(&app, &head(fixture!("head-newer.txt")))], later);
    assert!(u.is_empty(), "back to HEAD: still the same update");
}
