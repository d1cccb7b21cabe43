//! The writer's disk spool: an append-only file of checksummed event records, where events
//! wait while the database is unreachable and from which they drain in order once it is back.
//!
//! A record is `[len: u32 LE][crc32 of the payload: u32 LE][payload: the event's JSON]`. A
//! crash can leave a torn last record (a short header, a short payload, or a checksum that
//! does not match): reading stops there and says so, so a torn tail is skipped, never misread.
//! Appends are flushed to disk (`sync_data`) before `append` returns.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::events::Event;

/// Largest record accepted when reading (a length above it is a torn or foreign file).
pub const MAX_RECORD: u32 = 64 * 1024 * 1024;

/// What reading a spool found.
#[derive(Debug, Default)]
pub struct Drained {
    /// The events, in the order they were appended.
    pub events: Vec<Event>,
    /// Why reading stopped before the end of the file, if it did (a torn or corrupt tail),
    /// with the byte offset of the record that was skipped.
    pub torn: Option<(u64, String)>,
}

/// An append-only spool file.
pub struct Spool {
    /// Where the file lives.
    path: PathBuf,
    /// Open for appending; records are written whole and synced.
    file: File,
    /// Bytes in the file.
    len: u64,
}

impl Spool {
    /// Opens (or creates) the spool at `path`, appending after what it holds.
    pub fn open(path: impl Into<PathBuf>) -> io::Result<Self> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let len = file.metadata()?.len();
        Ok(Self { path, file, len })
    }

    /// Appends `events` as one write, synced to disk before returning.
    pub fn append(&mut self, events: &[Arc<Event>]) -> io::Result<()> {
        let mut buf = Vec::new();
        for ev in events {
            let payload = serde_json::to_vec(&**ev).map_err(io::Error::other)?;
            let len = u32::try_from(payload.len())
                .ok()
                .filter(|n| *n <= MAX_RECORD)
                .ok_or_else(|| io::Error::other(format!("event {} too large to spool", ev.id)))?;
            buf.extend_from_slice(&len.to_le_bytes());
            buf.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
            buf.extend_from_slice(&payload);
        }
        self.file.write_all(&buf)?;
        self.file.sync_data()?;
        self.len += buf.len() as u64;
        Ok(())
    }

    /// Bytes held (the `spool size` gauge).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the spool holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads every whole record, in order.
    pub fn read(&self) -> io::Result<Drained> {
        read(&self.path)
    }

    /// Empties the spool once its events are safely in the database.
    pub fn clear(&mut self) -> io::Result<()> {
        self.file.set_len(0)?;
        self.file.sync_data()?;
        self.len = 0;
        Ok(())
    }
}

/// Reads every whole record of the spool at `path`; a missing file is an empty spool.
pub fn read(path: &Path) -> io::Result<Drained> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Drained::default()),
        Err(e) => return Err(e),
    };
    let mut r = BufReader::new(file);
    let mut out = Drained::default();
    let mut offset = 0u64;
    loop {
        let mut header = [0u8; 8];
        match read_full(&mut r, &mut header)? {
            0 => return Ok(out),
            8 => {}
            n => return Ok(torn(out, offset, format!("a {n}-byte header"))),
        }
        let len = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
        let crc = u32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
        if len > MAX_RECORD {
            return Ok(torn(out, offset, format!("a record length of {len} bytes")));
        }
        let mut payload = vec![0u8; len as usize];
        let got = read_full(&mut r, &mut payload)?;
        if got < payload.len() {
            return Ok(torn(out, offset, format!("{got} of {len} payload bytes")));
        }
        if crc32fast::hash(&payload) != crc {
            return Ok(torn(out, offset, "a checksum mismatch".into()));
        }
        match serde_json::from_slice::<Event>(&payload) {
            Ok(ev) => out.events.push(ev),
            Err(e) => return Ok(torn(out, offset, format!("an unreadable event: {e}"))),
        }
        offset += 8 + u64::from(len);
    }
}

fn torn(mut out: Drained, offset: u64, what: String) -> Drained {
    tracing::warn!(offset, %what, "spool ends in a torn or corrupt record; it is skipped");
    out.torn = Some((offset, what));
    out
}

/// Reads until `buf` is full or the end of the input; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
#[path = "spool_tests.rs"]
mod tests;
