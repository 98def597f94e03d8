//! The scanners that apply the control-character rule (`cunxiang_core::text`) to a request
//! body as its bytes stream in (JSON with its `\uXXXX` escapes, or a form body with
//! its `%XX` escapes), so a character is found however it was written.

pub use cunxiang_core::text::{first_refused, refused};

/// How a body's bytes encode its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JSON (and anything not form-encoded): raw UTF-8 plus `\uXXXX` escapes.
    Json,
    /// `application/x-www-form-urlencoded`: raw bytes plus `%XX` escapes.
    Form,
}

/// Checks the UTF-8 bytes of decoded text one at a time; C1 controls are two bytes
/// (`C2 80`–`C2 9F`), so the previous byte is remembered.
#[derive(Debug, Default)]
struct Utf8Check {
    after_c2: bool,
}

impl Utf8Check {
    fn push(&mut self, b: u8) -> Option<char> {
        let c1 = self.after_c2 && (0x80..=0x9f).contains(&b);
        self.after_c2 = b == 0xc2;
        if c1 {
            return char::from_u32(u32::from(b));
        }
        (b < 0x80)
            .then_some(char::from(b))
            .filter(|&c| refused(c, true))
    }
}

/// Where a body scanner is inside an escape.
#[derive(Debug, Clone, Copy)]
enum Escape {
    /// Not in an escape.
    None,
    /// After a JSON `\`.
    Backslash,
    /// Inside `\uXXXX` (JSON) or `%XX` (form): digits seen and their value.
    Hex { seen: u8, value: u32 },
}

/// A body scanner: feed it the body's chunks in order; it answers the first refused character.
/// An escape split between two chunks is still found.
#[derive(Debug)]
pub struct BodyScanner {
    encoding: Encoding,
    escape: Escape,
    raw: Utf8Check,
    decoded: Utf8Check,
}

impl BodyScanner {
    /// A scanner at the start of a body.
    pub fn new(encoding: Encoding) -> Self {
        BodyScanner {
            encoding,
            escape: Escape::None,
            raw: Utf8Check::default(),
            decoded: Utf8Check::default(),
        }
    }

    /// Scans the next chunk; the first refused character in it, if any.
    pub fn feed(&mut self, chunk: &[u8]) -> Option<char> {
        chunk.iter().find_map(|&b| self.push(b))
    }

    fn push(&mut self, b: u8) -> Option<char> {
        // Raw bytes are text as they are, in both encodings.
        let raw = self.raw.push(b);
        if raw.is_some() {
            return raw;
        }
        match (self.encoding, self.escape) {
            (Encoding::Json, Escape::None) => {
                if b == b'\\' {
                    self.escape = Escape::Backslash;
                }
                None
            }
            (Encoding::Json, Escape::Backslash) => {
                self.escape = if b == b'u' {
                    Escape::Hex { seen: 0, value: 0 }
                } else {
                    Escape::None
                };
                None
            }
            (Encoding::Json, Escape::Hex { seen, value }) => {
                let Some(digit) = char::from(b).to_digit(16) else {
                    // Not an escape after all (the JSON parser will say so).
                    self.escape = Escape::None;
                    return None;
                };
                let value = value * 16 + digit;
                if seen == 3 {
                    self.escape = Escape::None;
                    char::from_u32(value).filter(|&c| refused(c, true))
                } else {
                    self.escape = Escape::Hex {
                        seen: seen + 1,
                        value,
                    };
                    None
                }
            }
            (Encoding::Form, Escape::Hex { seen, value }) => match char::from(b).to_digit(16) {
                Some(digit) if seen == 1 => {
                    self.escape = Escape::None;
                    // The decoded byte is part of the decoded text.
                    self.decoded.push((value * 16 + digit) as u8)
                }
                Some(digit) => {
                    self.escape = Escape::Hex {
                        seen: 1,
                        value: digit,
                    };
                    None
                }
                // `%` not followed by two hex digits stands for itself.
                None => {
                    self.escape = Escape::None;
                    self.decoded.push(b)
                }
            },
            (Encoding::Form, _) => {
                if b == b'%' {
                    self.escape = Escape::Hex { seen: 0, value: 0 };
                    None
                } else {
                    self.decoded.push(b)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(body: &str) -> Option<char> {
        BodyScanner::new(Encoding::Json).feed(body.as_bytes())
    }

    fn form(body: &str) -> Option<char> {
        BodyScanner::new(Encoding::Form).feed(body.as_bytes())
    }

    #[test]
    fn the_rule_refuses_c0_del_and_c1_and_allows_line_breaks_only_in_multiline_text() {
        for c in [
            '\0', '\u{1}', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}', '\u{85}', '\u{9f}',
        ] {
            assert!(refused(c, true) && refused(c, false), "{c:?}");
        }
        for c in ['\t', '\n', '\r'] {
            assert!(!refused(c, true) && refused(c, false), "{c:?}");
        }
        for c in [' ', 'a', '~', '\u{a0}', 'é', '村', '\u{2028}', '🙂'] {
            assert!(!refused(c, true) && !refused(c, false), "{c:?}");
        }
    }

    #[test]
    fn json_escapes_and_raw_characters_are_both_found() {
        assert_eq!(json(r#"{"a":"x\u0000y"}"#), Some('\0'));
        assert_eq!(json(r#"{"a":"x\u001F"}"#), Some('\u{1f}'));
        assert_eq!(json(r#"{"a":"x\u007f"}"#), Some('\u{7f}'));
        assert_eq!(json(r#"{"a":"\u0085"}"#), Some('\u{85}'));
        assert_eq!(json("{\"a\":\"x\u{7f}\"}"), Some('\u{7f}'));
        assert_eq!(json("{\"a\":\"x\u{85}\"}"), Some('\u{85}'));
        assert_eq!(json("{\"a\":\"x\u{1}\"}"), Some('\u{1}'));
        assert_eq!(json(r#"{"\u0000":1}"#), Some('\0'));
    }

    #[test]
    fn json_text_that_only_looks_like_an_escape_passes() {
        assert_eq!(json(r#"{"a":"x\\u0000y"}"#), None);
        assert_eq!(json(r#"{"a":"line\nnext\ttab\r\u000a\u0009\u000D"}"#), None);
        assert_eq!(
            json("{\n\t\"a\": \"村 é \u{a0} 🙂 \\u00a0 \\u0100\"\r\n}"),
            None
        );
        assert_eq!(json(r#"{"a":"\\\\u0000"}"#), None);
        assert_eq!(json(r#"{"a":"\\\u0000"}"#), Some('\0'));
    }

    #[test]
    fn an_escape_split_between_chunks_is_found() {
        let body = br#"{"a":"x\u0000y"}"#;
        for cut in 0..body.len() {
            let mut s = BodyScanner::new(Encoding::Json);
            let found = s.feed(&body[..cut]).or_else(|| s.feed(&body[cut..]));
            assert_eq!(found, Some('\0'), "cut at {cut}");
        }
        let body = b"a=x%C2%85y";
        for cut in 0..body.len() {
            let mut s = BodyScanner::new(Encoding::Form);
            let found = s.feed(&body[..cut]).or_else(|| s.feed(&body[cut..]));
            assert_eq!(found, Some('\u{85}'), "cut at {cut}");
        }
    }

    #[test]
    fn form_escapes_and_raw_bytes_are_both_found() {
        assert_eq!(form("username=a%00b&password=x"), Some('\0'));
        assert_eq!(form("a=%7f"), Some('\u{7f}'));
        assert_eq!(form("a=%1B"), Some('\u{1b}'));
        assert_eq!(form("a=x\u{1}"), Some('\u{1}'));
        assert_eq!(form("a=%C2%9F"), Some('\u{9f}'));
        assert_eq!(form("a%00=1"), Some('\0'));
        assert_eq!(
            form("description=two%0Alines%09tab%0D%0A&b=100%25+sure"),
            None
        );
        assert_eq!(form("a=%E6%9D%91&b=%C2%A0&c=%zz&d=%"), None);
    }
}
