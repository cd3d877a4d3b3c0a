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
    /// The file is larger than `--max-filesize`.
    #[error("skipped: {len} bytes is over the {max}-byte limit (--max-filesize)")]
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
