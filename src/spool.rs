//! Standard input past the windowing size, written to a temporary file that is unlinked as
//! soon as it is made: the engine reads it a window at a time and the human report reads
//! its excerpts, as for any large file, instead of holding its bytes for the whole run (a
//! 55 MB stream held: 96 MB). Linux only (the file is reached again through
//! `/proc/self/fd`); elsewhere, or when no temporary file can be made, standard input is
//! held in memory as before.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// An unlinked temporary file, open while this lives.
#[derive(Debug)]
pub struct Spool {
    /// Held open: the file's only name is `path`, through this descriptor.
    file: std::fs::File,
    path: PathBuf,
}

impl Spool {
    /// Where the file is opened again (each opening reads from its own offset).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new empty spool in the temporary directory, or None.
    #[cfg(target_os = "linux")]
    fn create() -> Option<Spool> {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        let dir = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for attempt in 0..8u32 {
            let named = dir.join(format!(
                ".onus-stdin-{}-{nanos}-{attempt}",
                std::process::id()
            ));
            let file = match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&named)
            {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(_) => return None,
            };
            // Unlinked at once: nothing is left behind, whatever ends the run (a file that
            // cannot be unlinked could not be removed later either).
            if std::fs::remove_file(&named).is_err() {
                return None;
            }
            let path = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
            // Opened again as the engine and the report will open it.
            return std::fs::File::open(&path)
                .is_ok()
                .then_some(Spool { file, path });
        }
        None
    }

    #[cfg(not(target_os = "linux"))]
    fn create() -> Option<Spool> {
        None
    }
}

/// What standard input gave: its bytes, or the spool they were written to.
pub enum Taken {
    Held(Vec<u8>),
    Spooled(Spool),
}

/// Read `input` up to `limit` bytes (one more, so that a larger input is told): held in
/// memory under `from` bytes, from there on spooled when a spool can be made. A spool that
/// cannot be written on gives back what it holds, and the rest is read into memory.
pub fn read(input: &mut dyn Read, from: usize, limit: u64) -> std::io::Result<Taken> {
    read_into(input, from, limit, Spool::create)
}

/// `read`, spooling into what `create` makes.
fn read_into(
    input: &mut dyn Read,
    from: usize,
    limit: u64,
    create: impl FnOnce() -> Option<Spool>,
) -> std::io::Result<Taken> {
    let mut bytes = Vec::new();
    let first = (from as u64).min(limit.saturating_add(1));
    input.take(first).read_to_end(&mut bytes)?;
    // Ended before the size, or already past the limit (the engine says it is too large).
    if (bytes.len() as u64) < first || first > limit {
        return Ok(Taken::Held(bytes));
    }
    let Some(mut spool) = create() else {
        input
            .take(limit.saturating_add(1).saturating_sub(first))
            .read_to_end(&mut bytes)?;
        return Ok(Taken::Held(bytes));
    };
    let mut read = bytes.len() as u64;
    let mut written = 0u64;
    let mut chunk = bytes;
    loop {
        if spool.file.write_all(&chunk).is_err() {
            // Back to memory: what the spool holds, this chunk, then the rest.
            let mut held = Vec::new();
            let back = spool
                .file
                .try_clone()
                .and_then(|mut f| {
                    use std::io::Seek;
                    f.seek(std::io::SeekFrom::Start(0))?;
                    f.take(written).read_to_end(&mut held)
                })
                .map(|n| n as u64 == written);
            if !matches!(back, Ok(true)) {
                return Err(std::io::Error::other(
                    "a temporary file for it could not be written or read back",
                ));
            }
            held.extend_from_slice(&chunk);
            input
                .take(limit.saturating_add(1).saturating_sub(read))
                .read_to_end(&mut held)?;
            return Ok(Taken::Held(held));
        }
        written += chunk.len() as u64;
        // The first read's buffer (the size, 4 MiB) is not kept for the rest.
        chunk = Vec::with_capacity(CHUNK);
        let left = limit
            .saturating_add(1)
            .saturating_sub(read)
            .min(CHUNK as u64);
        input.take(left).read_to_end(&mut chunk)?;
        if chunk.is_empty() {
            return Ok(Taken::Spooled(spool));
        }
        read += chunk.len() as u64;
    }
}

/// Bytes copied to the spool at a time.
const CHUNK: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::{Spool, Taken, read, read_into};
    use std::io::Read;

    fn bytes_of(taken: Taken) -> (bool, Vec<u8>) {
        match taken {
            Taken::Held(b) => (false, b),
            Taken::Spooled(s) => {
                let mut b = Vec::new();
                std::fs::File::open(s.path())
                    .and_then(|mut f| f.read_to_end(&mut b))
                    .expect("the spool read again");
                (true, b)
            }
        }
    }

    #[test]
    fn what_is_spooled_reads_back_as_it_was_given() {
        let text: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        for (from, limit, spooled, kept) in [
            // Under the size: held.
            (usize::MAX, 10_000_000, false, 3_000_000),
            (3_000_001, 10_000_000, false, 3_000_000),
            // From it on: spooled whole (in chunks of 1 MiB after the first), or up to one
            // byte past the limit, which tells that the input is too large.
            (3_000_000, 10_000_000, true, 3_000_000),
            (0, 10_000_000, true, 3_000_000),
            (1_500_000, 10_000_000, true, 3_000_000),
            (10, 2_500_000, true, 2_500_001),
            // A limit under the size: the input is held, one byte past the limit.
            (usize::MAX, 100, false, 101),
        ] {
            let (was_spooled, back) =
                bytes_of(read(&mut text.as_slice(), from, limit).expect("read"));
            assert_eq!(
                was_spooled,
                spooled && cfg!(target_os = "linux"),
                "{from} {limit}"
            );
            assert!(back == text[..kept], "{from} {limit}: {} bytes", back.len());
        }
        // A spool that cannot be written on: every byte held, once.
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("read-only");
        std::fs::write(&path, b"").expect("a file written");
        let (was_spooled, back) = bytes_of(
            read_into(&mut text.as_slice(), 10, 10_000_000, || {
                Some(Spool {
                    file: std::fs::File::open(&path).ok()?,
                    path: path.clone(),
                })
            })
            .expect("read"),
        );
        assert!(!was_spooled);
        assert!(back == text, "{} bytes", back.len());
    }
}
