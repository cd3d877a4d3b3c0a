//! The progress display of long runs on stderr: a spinner on a terminal, plain lines with
//! `--progress` elsewhere (a CI log), nothing otherwise.

use std::io::IsTerminal;

/// The progress display on stderr: a spinner on a terminal outside CI, a plain line every few
/// seconds with `--progress` elsewhere (a CI log, a redirect), nothing otherwise.
pub(super) enum Progress {
    Spinner(indicatif::ProgressBar),
    Lines(LineProgress),
    Hidden,
}

impl Progress {
    pub(super) fn start(forced: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        if terminal && (forced || std::env::var_os("CI").is_none()) {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} files scanned: {pos} ({msg})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.set_message("0 files/s");
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            return Progress::Spinner(bar);
        }
        if forced {
            return Progress::Lines(LineProgress::new());
        }
        Progress::Hidden
    }

    /// One more file scanned (from any walker thread).
    pub(super) fn file(&self) {
        match self {
            Progress::Spinner(bar) => {
                bar.inc(1);
                let seconds = bar.elapsed().as_secs_f64();
                if bar.position() % 256 == 0 && seconds > 0.0 {
                    bar.set_message(rate(bar.position(), seconds));
                }
            }
            Progress::Lines(lines) => lines.file(),
            Progress::Hidden => {}
        }
    }

    pub(super) fn finish(&self) {
        match self {
            Progress::Spinner(bar) => bar.finish_and_clear(),
            Progress::Lines(lines) => lines.finish(),
            Progress::Hidden => {}
        }
    }
}

/// `--progress` without a terminal: `reimage: 12,345 files scanned (4,705 files/s)` on stderr,
/// at most once per [`LineProgress::EVERY`].
pub(super) struct LineProgress {
    started: std::time::Instant,
    files: std::sync::atomic::AtomicU64,
    /// Milliseconds after `started` of the last line printed.
    printed: std::sync::atomic::AtomicU64,
}

impl LineProgress {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(2);

    fn new() -> Self {
        LineProgress {
            started: std::time::Instant::now(),
            files: 0.into(),
            printed: 0.into(),
        }
    }

    fn file(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        let files = self.files.fetch_add(1, Relaxed) + 1;
        let now = self.started.elapsed().as_millis() as u64;
        let last = self.printed.load(Relaxed);
        let due = now.saturating_sub(last) >= Self::EVERY.as_millis() as u64;
        // One thread wins the right to print this line.
        if due
            && self
                .printed
                .compare_exchange(last, now, Relaxed, Relaxed)
                .is_ok()
        {
            self.line(files);
        }
    }

    fn line(&self, files: u64) {
        let seconds = self.started.elapsed().as_secs_f64();
        eprintln!(
            "reimage: {} {} scanned ({})",
            thousands(files),
            if files == 1 { "file" } else { "files" },
            rate(files, seconds)
        );
    }

    fn finish(&self) {
        self.line(self.files.load(std::sync::atomic::Ordering::Relaxed));
    }
}

/// `4,705 files/s`: a whole number, grouped by thousands.
fn rate(files: u64, seconds: f64) -> String {
    let per_second = if seconds > 0.0 {
        (files as f64 / seconds).round() as u64
    } else {
        files
    };
    format!("{} files/s", thousands(per_second))
}

/// `12345` → `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_whole_numbers_grouped_by_thousands() {
        assert_eq!(rate(4705, 1.0), "4,705 files/s");
        assert_eq!(rate(10, 3.0), "3 files/s");
        assert_eq!(rate(2_000_000, 0.5), "4,000,000 files/s");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
    }
}
