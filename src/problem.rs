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
    /// The walk could not enter a directory or read an entry.
    #[error("{0}")]
    Walk(Arc<ignore::Error>),
    /// The planned rewrite was not written.
    #[error("{0}")]
    NotWritten(String),
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
