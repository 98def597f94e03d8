//! The control-character rule for text that crosses the API: no field has a use for C0/C1
//! controls or DEL (PostgreSQL refuses NUL in text outright); tab, line feed and carriage
//! return are allowed only where text may span lines. The HTTP edge applies it to every
//! path, query and body; the Open311 façade to the text parts of its multipart bodies.

/// Refused everywhere: C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls
/// (U+0080–U+009F); tab, line feed and carriage return only where text may span lines
/// (`multiline`: request bodies; never paths or query strings).
pub fn refused(c: char, multiline: bool) -> bool {
    match c {
        '\t' | '\n' | '\r' => !multiline,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        _ => false,
    }
}

/// The first character of `text` that [`refused`] refuses.
pub fn first_refused(text: &str, multiline: bool) -> Option<char> {
    text.chars().find(|&c| refused(c, multiline))
}

/// The caller's explanation of a refused character `c` found in `place` ("the path",
/// "the request body", …).
pub fn explain(place: &str, c: char) -> String {
    format!(
        "{place} contains the control character U+{:04X}; control characters are not \
         accepted (tab and line breaks only in request bodies)",
        u32::from(c)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_pass_only_in_multiline_text() {
        for c in ['\t', '\n', '\r'] {
            assert!(!refused(c, true) && refused(c, false), "{c:?}");
        }
        for c in ['\0', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            assert!(refused(c, true) && refused(c, false), "{c:?}");
        }
        for c in [' ', 'a', '村', '\u{a0}', '\u{200b}'] {
            assert!(!refused(c, false), "{c:?}");
        }
        assert_eq!(first_refused("路灯\n坏了\u{7}", true), Some('\u{7}'));
        assert_eq!(first_refused("路灯\n坏了", false), Some('\n'));
    }

    #[test]
    fn the_explanation_names_the_place_and_the_code_point() {
        assert_eq!(
            explain("the request body", '\0'),
            "the request body contains the control character U+0000; control characters are \
             not accepted (tab and line breaks only in request bodies)"
        );
    }
}
