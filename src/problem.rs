//! What can go wrong with one file, as data: the run reports it and goes on with the others.
//!
//! Errors (a file that could not be read or written) make the run exit 2; warnings (a file read
//! with less precision than its format allows, a leftover temporary file) do not.

use std::path::PathBuf;
use std::sync::Arc;

/// A problem with one file.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Problem {
    /// The file could not be opened or read.
    #[error("cannot read: {0}")]
    Unreadable(Arc<std::io::Error>),
    /// The file is larger than `--max-filesize` (a warning: it is skipped and counted).
    #[error("skipped: {} is over the {} limit (--max-filesize)", Size(*.len), Size(*.max))]
    TooLarge { len: u64, max: u64 },
    /// A file turned into a symlink after the walk saw it (symlinks are not followed).
    #[error("skipped: it is a symlink now (symlinks are not followed)")]
    NowASymlink,
    /// Something else than a regular file is in the file's place.
    #[error("skipped: not a regular file (a FIFO, socket or device is in its place)")]
    NotRegularFile,
    /// The walk could not enter a directory or read an entry.
    #[error("{0}")]
    Walk(Arc<ignore::Error>),
    /// The planned rewrite was not written.
    #[error("{0}")]
    NotWritten(Arc<WriteProblem>),
    /// The file was written, but some of its metadata could not be kept (a warning).
    #[error("{0}")]
    MetadataLost(String),
    /// A temporary file left by an interrupted run (a warning).
    #[error("a temporary file left by an interrupted `reimage -w`; delete it")]
    LeftoverTemporary,
    /// Text in a wide encoding, which is not searched (a warning).
    #[error("{encoding} text (byte-order mark); not searched: convert it to UTF-8 to check or rename it")]
    WideEncoding { encoding: &'static str },
    /// A file whose name says text but which holds a NUL byte, skipped as binary (a warning).
    #[error("a NUL byte at offset {offset}; skipped as binary")]
    NulByte { offset: usize },
    /// Structured text that is not UTF-8, read line by line (a warning).
    #[error("not UTF-8, so not parsed as {format}; read line by line")]
    NotUtf8 { format: &'static str },
    /// Structured text that does not parse, read line by line (a warning).
    #[error("not valid {format} ({message}); read line by line")]
    Malformed {
        format: &'static str,
        message: String,
    },
}

impl Problem {
    /// Whether this is a warning when the walk meets it (the file is skipped and counted),
    /// rather than an error that fails the run.
    pub fn is_warning(&self) -> bool {
        matches!(self, Problem::TooLarge { .. })
    }
}

/// A byte count as people read it: `101 bytes`, `64 MiB`, `1.5 GiB`.
#[derive(Debug, Clone, Copy)]
pub struct Size(pub u64);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
        if self.0 < 1024 {
            return match self.0 {
                1 => write!(f, "1 byte"),
                n => write!(f, "{n} bytes"),
            };
        }
        let mut value = self.0 as f64 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        if value.fract() == 0.0 {
            write!(f, "{value} {}", UNITS[unit])
        } else {
            write!(f, "{value:.1} {}", UNITS[unit])
        }
    }
}

/// A file and what went wrong with it.
#[derive(Debug, Clone)]
pub struct FileError {
    pub path: PathBuf,
    pub problem: Problem,
}

impl FileError {
    /// The sentence reports show.
    pub fn message(&self) -> String {
        self.problem.to_string()
    }
}

/// Why a file was not written. Every variant leaves the original as it was.
#[derive(Debug, thiserror::Error)]
pub enum WriteProblem {
    #[error("not written: the file changed after it was read; run again")]
    Changed,
    #[error(
        "not written: the file changed after it was read (while it was being replaced; the other \
         change was put back); run again"
    )]
    Conflict,
    #[error(
        "written, but the file changed while it was being replaced (this file system cannot swap \
         files atomically): the other change may be lost; check the file"
    )]
    LostUpdate,
    #[error("not written: the file was removed or renamed after it was read")]
    Removed,
    #[error("not written: the file is read-only")]
    ReadOnly,
    #[error("not written: {0}")]
    NotPermitted(&'static str),
    #[error(
        "not written: no longer a regular file (symlinks, FIFOs and devices are never written)"
    )]
    NotRegularFile,
    #[error(
        "not written: the file has {links} hard links, and replacing it would leave the other names \
         with the old content; pass --break-hardlinks to replace it anyway"
    )]
    HardLinked { links: u64 },
    #[error(
        "not written: `{component}` on its path is no longer a directory of the tree (a symlink, or \
         moved); symlinks are never written through"
    )]
    PathChanged { component: String },
    #[error("not written: it is inside a .git directory, which is never written")]
    GitDir,
    #[error("not written: the run was interrupted (a signal) before this file")]
    Interrupted,
    #[error("not written: it is not under any of the given paths")]
    OutsidePaths,
    #[error("not written: its {what} could not be kept: {source}")]
    Metadata {
        what: String,
        source: std::io::Error,
    },
    #[error("{action}: {source}")]
    Io {
        action: &'static str,
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(Size(101).to_string(), "101 bytes");
        assert_eq!(Size(512 << 10).to_string(), "512 KiB");
        assert_eq!(Size(64 << 20).to_string(), "64 MiB");
        assert_eq!(Size(3 << 29).to_string(), "1.5 GiB");
    }
}
