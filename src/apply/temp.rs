//! The temporary files of a write: `.NAME.reimage-XXXXXX.tmp` in the file's directory, named to
//! fit the 255-byte limit, removed unless kept, and told apart from a user's files by the exact
//! pattern.

use super::*;
pub(super) const TEMP_MARKER: &[u8] = b".reimage-";
pub(super) const TEMP_SUFFIX: &[u8] = b".tmp";
pub(super) const TEMP_RANDOM: usize = 6;
/// The longest file name most file systems take, in bytes.
pub(super) const NAME_MAX: usize = 255;

/// Whether `path` is a temporary file of ours: `.NAME.reimage-XXXXXX.tmp`, six letters or digits.
pub(crate) fn is_temporary(path: &Path) -> bool {
    // Asked of every file walked: the suffix test on the raw path spares the component parsing.
    let raw = path.as_os_str().as_encoded_bytes();
    if !raw.ends_with(TEMP_SUFFIX) {
        return false;
    }
    let Some(name) = path.file_name().map(OsStr::as_bytes) else {
        return false;
    };
    let Some(stem) = name.strip_suffix(TEMP_SUFFIX) else {
        return false;
    };
    let Some(split) = stem.len().checked_sub(TEMP_RANDOM) else {
        return false;
    };
    let (head, random) = stem.split_at(split);
    name.starts_with(b".")
        && random.iter().all(u8::is_ascii_alphanumeric)
        && head.len() > TEMP_MARKER.len() + 1
        && head.ends_with(TEMP_MARKER)
}

/// The temporary name for `name`: the name is cut (bytewise) so the whole fits in `NAME_MAX`.
pub(super) fn temp_name(name: &[u8], random: &[u8; TEMP_RANDOM]) -> OsString {
    let room = NAME_MAX - 1 - TEMP_MARKER.len() - TEMP_RANDOM - TEMP_SUFFIX.len();
    let kept = &name[..name.len().min(room)];
    OsStr::from_bytes(&[b".", kept, TEMP_MARKER, random, TEMP_SUFFIX].concat()).to_owned()
}

pub(super) fn random_part() -> [u8; TEMP_RANDOM] {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let mut bits = hasher.finish();
    let mut out = [0; TEMP_RANDOM];
    for byte in &mut out {
        *byte = ALPHABET[(bits % ALPHABET.len() as u64) as usize];
        bits /= ALPHABET.len() as u64;
    }
    out
}

/// A temporary file in the target's directory, removed when dropped unless `keep`.
pub(super) struct Temp<'d> {
    pub(super) dir: BorrowedFd<'d>,
    pub(super) name: OsString,
    pub(super) file: File,
    pub(super) keep: bool,
}

impl<'d> Temp<'d> {
    pub(super) fn create(dir: BorrowedFd<'d>, name: &OsStr) -> Result<Temp<'d>, WriteProblem> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        loop {
            let temp = temp_name(name.as_bytes(), &random_part());
            match rfs::openat(dir, &temp, flags, Mode::from_raw_mode(0o600)) {
                Ok(fd) => {
                    return Ok(Temp {
                        dir,
                        name: temp,
                        file: File::from(fd),
                        keep: false,
                    })
                }
                Err(Errno::EXIST) => {}
                Err(e) => return Err(io("cannot write")(e)),
            }
        }
    }
}

impl Drop for Temp<'_> {
    fn drop(&mut self) {
        if !self.keep {
            let _ = rfs::unlinkat(self.dir, &self.name, AtFlags::empty());
        }
    }
}
