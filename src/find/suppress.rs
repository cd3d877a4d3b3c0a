//! Inline suppressions: `reimage: ignore` (this line), `reimage: ignore-next-line`, and
//! `reimage: ignore-start` … `reimage: ignore-end` blocks, in any comment syntax.

const MARKER: &[u8] = b"reimage: ignore";

/// The 1-based lines whose findings are ignored.
#[derive(Debug, Default)]
pub(crate) struct IgnoredLines {
    /// Sorted, non-overlapping inclusive line ranges.
    ranges: Vec<(usize, usize)>,
}

impl IgnoredLines {
    pub(crate) fn new(text: &[u8]) -> Self {
        let mut ranges = Vec::new();
        let mut block_start = None;
        let mut line = 1;
        let mut counted = 0;
        static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
            std::sync::OnceLock::new();
        let finder = FINDER.get_or_init(|| memchr::memmem::Finder::new(MARKER));
        for at in finder.find_iter(text) {
            line += memchr::memchr_iter(b'\n', &text[counted..at]).count();
            counted = at;
            let rest = &text[at + MARKER.len()..];
            if rest.starts_with(b"-next-line") {
                ranges.push((line + 1, line + 1));
            } else if rest.starts_with(b"-start") {
                block_start.get_or_insert(line);
            } else if rest.starts_with(b"-end") {
                if let Some(start) = block_start.take() {
                    ranges.push((start, line));
                }
            } else {
                ranges.push((line, line));
            }
        }
        if let Some(start) = block_start {
            ranges.push((start, usize::MAX));
        }
        ranges.sort_unstable();
        IgnoredLines { ranges }
    }

    pub(crate) fn contains(&self, line: usize) -> bool {
        self.ranges
            .iter()
            .any(|&(start, end)| start <= line && line <= end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_next_line_and_block_markers() {
        let text = b"a # reimage: ignore\nb\n// reimage: ignore-next-line\nc\nd\n<!-- reimage: ignore-start -->\ne\nf\n<!-- reimage: ignore-end -->\ng\n";
        let ignored = IgnoredLines::new(text);
        let lines: Vec<usize> = (1..=11).filter(|&l| ignored.contains(l)).collect();
        assert_eq!(lines, vec![1, 4, 6, 7, 8, 9]);
    }
}
