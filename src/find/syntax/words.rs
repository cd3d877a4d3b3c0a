//! The lexing every line front-end shares: shell-like words (quotes, separators, redirections),
//! a value without its trailing comment, and the variables a word uses.

use std::ops::Range;

/// Shell-like words of `line` from `from`, with surrounding quotes excluded from each span.
/// Command separators (`;`, `|`, `&`, backtick) are words of their own; a comment ends the list.
pub(crate) fn shell_words(line: &[u8], from: usize) -> Vec<Range<usize>> {
    let mut words = Vec::new();
    let mut i = from;
    loop {
        while i < line.len() && (line[i].is_ascii_whitespace() || line[i] == b'\\') {
            i += 1;
        }
        if i >= line.len() || line[i] == b'#' {
            break;
        }
        let start = i;
        if is_redirection(&line[i..]) || line[i..].starts_with(b"&>") {
            // A redirection is one word up to the next blank, `2>&1` included.
            while i < line.len()
                && !line[i].is_ascii_whitespace()
                && !matches!(line[i], b';' | b'|')
            {
                i += 1;
            }
            words.push(start..i);
            continue;
        }
        let mut quote = None;
        while i < line.len() {
            let b = line[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b.is_ascii_whitespace() || matches!(b, b';' | b'|' | b'&' | b'`') => break,
                None => {}
            }
            i += 1;
        }
        if i > start {
            words.push(unquote(line, start..i));
        } else {
            words.push(i..i + 1);
            i += 1;
        }
    }
    words
}

fn unquote(line: &[u8], mut word: Range<usize>) -> Range<usize> {
    while word.len() >= 2
        && matches!(line[word.start], b'"' | b'\'')
        && line[word.end - 1] == line[word.start]
    {
        word = word.start + 1..word.end - 1;
    }
    word
}

/// Whether a word holds a variable, a substitution or a template action (`$VAR`, `${VAR}`,
/// `$(cmd)`, backticks, `%VAR%`, `{{ … }}`, `{% … %}`), so that it is not one literal token.
pub(crate) fn has_template(word: &[u8]) -> bool {
    let windows_variable = || {
        let mut percents = memchr::memchr_iter(b'%', word);
        percents.next().zip(percents.next()).is_some_and(|(a, b)| {
            b > a + 1
                && word[a + 1..b]
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        })
    };
    memchr::memchr2(b'$', b'`', word).is_some()
        || memchr::memmem::find(word, b"{{").is_some()
        || memchr::memmem::find(word, b"{%").is_some()
        || windows_variable()
}

/// `>file`, `2>&1`, `< input`, `&>/dev/null`: not arguments.
pub(crate) fn is_redirection(word: &[u8]) -> bool {
    let digits = word.iter().take_while(|b| b.is_ascii_digit()).count();
    matches!(word.get(digits), Some(b'>' | b'<'))
}

pub(crate) fn is_separator(word: &[u8]) -> bool {
    matches!(word, b";" | b"|" | b"&" | b"`")
}

/// The value range after `from`, without a trailing ` # comment` and surrounding blanks.
pub(crate) fn trim_comment(line: &[u8], from: usize) -> Range<usize> {
    let mut end = line.len();
    let mut i = from;
    while i < line.len() {
        if line[i] == b'#' && line[i - 1].is_ascii_whitespace() {
            end = i;
            break;
        }
        i += 1;
    }
    let start = (from..end)
        .find(|&j| !line[j].is_ascii_whitespace())
        .unwrap_or(end);
    while end > start && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    start..end
}

/// `$NAME` and `${NAME...}` variable names in a word.
pub(crate) fn variables_in(word: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'$', &word[i..]) {
        let mut j = i + off + 1;
        if word.get(j) == Some(&b'{') {
            j += 1;
        }
        let start = j;
        while j < word.len() && (word[j].is_ascii_alphanumeric() || word[j] == b'_') {
            j += 1;
        }
        if j > start {
            names.push(String::from_utf8_lossy(&word[start..j]).into_owned());
        }
        i = j.max(i + off + 1);
    }
    names
}
