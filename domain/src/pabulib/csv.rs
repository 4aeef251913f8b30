//! The text layer of a `.pb` file: lines and `;`-separated fields.
//!
//! Pabulib files are CSV with `;` as the delimiter and `"` as the quote, read by pabutools with
//! Python's `csv` module. This module reproduces that module's (non-strict) behaviour on one
//! line: a `"` opens a quoted field only at the very start of a field, `""` inside quotes is one
//! `"`, characters after a closing quote are appended as they are, and a `"` in the middle of an
//! unquoted field is an ordinary character (Częstochowa 2020 has `Konkurs " NA …`). Lines end with
//! `\n`, `\r\n` or a mix of both; a leading byte-order mark is skipped. Fields are trimmed by the
//! caller, as pabutools does.

use std::borrow::Cow;

/// Lines of `text` with their 1-based numbers; the BOM and the `\r` of `\r\n` are removed.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|_| !text.is_empty())
}

/// A quoted field that is still open at the end of its line. Pabulib never has multi-line fields,
/// so this is reported as an error instead of joining lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnterminatedQuote;

/// Splits one line into fields, appending them to `fields` (cleared first). Unquoted fields borrow
/// from the line; only quoted ones allocate.
pub(crate) fn split_fields<'a>(
    line: &'a str,
    fields: &mut Vec<Cow<'a, str>>,
) -> Result<(), UnterminatedQuote> {
    fields.clear();
    let mut rest = line;
    loop {
        if let Some(after_quote) = rest.strip_prefix('"') {
            let (field, remainder) = quoted_field(after_quote)?;
            fields.push(Cow::Owned(field));
            match remainder {
                Some(next) => rest = next,
                None => return Ok(()),
            }
        } else {
            match rest.find(';') {
                Some(at) => {
                    fields.push(Cow::Borrowed(&rest[..at]));
                    rest = &rest[at + 1..];
                }
                None => {
                    fields.push(Cow::Borrowed(rest));
                    return Ok(());
                }
            }
        }
    }
}

/// Reads a field whose opening quote was consumed; returns the field and what follows the `;` that
/// ends it (`None` at the end of the line).
fn quoted_field(text: &str) -> Result<(String, Option<&str>), UnterminatedQuote> {
    let mut field = String::new();
    let mut chars = text.char_indices();
    // Inside the quotes.
    loop {
        match chars.next() {
            None => return Err(UnterminatedQuote),
            Some((_, '"')) => {
                if chars.as_str().starts_with('"') {
                    chars.next();
                    field.push('"');
                } else {
                    break;
                }
            }
            Some((_, c)) => field.push(c),
        }
    }
    // After the closing quote: like Python's non-strict csv, keep characters up to the delimiter.
    for (at, c) in chars.by_ref() {
        if c == ';' {
            return Ok((field, Some(&text[at + 1..])));
        }
        field.push(c);
    }
    Ok((field, None))
}

/// Writes one field for a `;`-separated line, quoting it when it holds a `;` or a `"`, starts or
/// ends with whitespace, or contains a line break (the last two cannot be read back faithfully and
/// are only quoted so the line stays well-formed).
pub(crate) fn push_field(line: &mut String, field: &str) {
    let needs_quotes = field.contains([';', '"', '\n', '\r'])
        || field.starts_with(char::is_whitespace)
        || field.ends_with(char::is_whitespace);
    if needs_quotes {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        split_fields(line, &mut out).unwrap();
        out.into_iter().map(Cow::into_owned).collect()
    }

    #[test]
    fn splits_plain_and_quoted_fields() {
        assert_eq!(fields("a;b;;c"), ["a", "b", "", "c"]);
        assert_eq!(fields(""), [""]);
        assert_eq!(fields("x;"), ["x", ""]);
        assert_eq!(
            fields(r#"1;"""Konikowo"" - Budowa; placu";3"#),
            ["1", "\"Konikowo\" - Budowa; placu", "3"]
        );
        assert_eq!(
            fields(r##"comment;"#1: ""a"" b""##),
            ["comment", "#1: \"a\" b"]
        );
    }

    #[test]
    fn stray_quotes_are_ordinary_characters_as_in_python_csv() {
        assert_eq!(
            fields(r#"515;3200;Konkurs " NA NAJ"#),
            ["515", "3200", "Konkurs \" NA NAJ"]
        );
        assert_eq!(fields(r#"a;Aniołów"”.;b"#), ["a", "Aniołów\"”.", "b"]);
        // Text after a closing quote is kept, as Python's non-strict reader does.
        assert_eq!(fields(r#""ab"cd;e"#), ["abcd", "e"]);
        // A quote after leading whitespace does not open a quoted field.
        assert_eq!(fields(r#"k; "v";w"#), ["k", " \"v\"", "w"]);
    }

    #[test]
    fn an_open_quote_at_the_end_of_the_line_is_an_error() {
        let mut out = Vec::new();
        assert_eq!(split_fields(r#"a;"open"#, &mut out), Err(UnterminatedQuote));
    }

    #[test]
    fn lines_accept_crlf_lf_mixes_and_a_bom() {
        let text = "\u{feff}META\r\nkey;value\nrule;greedy\r\n";
        let lines: Vec<_> = numbered_lines(text).collect();
        assert_eq!(lines, [(1, "META"), (2, "key;value"), (3, "rule;greedy")]);
        assert_eq!(numbered_lines("").count(), 0);
        assert_eq!(
            numbered_lines("a\n\nb").collect::<Vec<_>>(),
            [(1, "a"), (2, ""), (3, "b")]
        );
    }

    #[test]
    fn written_fields_read_back() {
        for value in [
            "plain",
            "with;semicolon",
            "\"quoted\" start",
            "mid \" quote",
            "",
        ] {
            let mut line = String::from("id;");
            push_field(&mut line, value);
            assert_eq!(fields(&line), ["id", value]);
        }
    }
}
