//! Tidy checks over the source tree: every `.rs` file starts with a `//!` header, and files
//! stay small enough to read.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "actors", "tests", "bench"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "tidy found too few files: {files:?}");
    files
}

#[test]
fn every_rust_file_starts_with_a_module_doc_line() {
    let missing: Vec<_> = all_rust_files()
        .into_iter()
        .filter(|p| !std::fs::read_to_string(p).unwrap_or_default().starts_with("//!"))
        .collect();
    assert!(missing.is_empty(), "files without a leading `//!` line: {missing:#?}");
}

#[test]
fn no_rust_file_is_huge() {
    // The aim is < 400 lines; 600 is the hard stop that makes a split overdue.
    let huge: Vec<_> = all_rust_files()
        .into_iter()
        .filter(|p| std::fs::read_to_string(p).unwrap_or_default().lines().count() > 600)
        .collect();
    assert!(huge.is_empty(), "files over 600 lines, split them by responsibility: {huge:#?}");
}

#[test]
fn the_readme_lists_every_stored_metric() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for m in infrastructor_actors::store::samples::METRICS {
        assert!(readme.contains(&format!("`{}`", m.name)), "README.md does not list {}", m.name);
    }
}

#[test]
fn the_readme_lists_every_mcp_tool() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for t in infrastructor::mcp::tools::all() {
        let row = format!("| `{}` |", t.tool.name);
        assert!(readme.contains(&row), "README.md's tool table does not list {}", t.tool.name);
    }
}
