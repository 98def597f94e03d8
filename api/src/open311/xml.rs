//! A small XML writer for the Open311 documents: a JSON value becomes elements named after its
//! keys, an array becomes repeated elements named after the singular of its key. The documents
//! are shallow and fixed, so a writer of forty lines beats a serde mapping with wrapper types.

use serde_json::Value;

/// The element name of one item of the array under `key` (`services` → `service`).
pub fn item_name(key: &str) -> &str {
    match key {
        "services" => "service",
        "service_requests" => "request",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "errors" => "error",
        other => other.strip_suffix('s').unwrap_or(other),
    }
}

/// The document `<root>` holding `value` (an array: one `<item>` per element), with the XML
/// declaration the spec asks for.
pub fn document(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    element(&mut out, root, value);
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::Array(items) => {
            open(out, name);
            let item = item_name(name);
            for v in items {
                element(out, item, v);
            }
            close(out, name);
        }
        Value::Object(map) => {
            open(out, name);
            for (k, v) in map {
                element(out, k, v);
            }
            close(out, name);
        }
        Value::String(s) => {
            open(out, name);
            escape(out, s);
            close(out, name);
        }
        Value::Bool(_) | Value::Number(_) => {
            open(out, name);
            out.push_str(&value.to_string());
            close(out, name);
        }
    }
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Escapes text; characters XML 1.0 cannot carry (most C0 controls) are dropped.
fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrays_repeat_the_singular_and_text_is_escaped() {
        let doc = document(
            "services",
            &json!([{ "service_code": "a<b", "metadata": false, "group": null }]),
        );
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><services><service>\
             <group/><metadata>false</metadata><service_code>a&lt;b</service_code></service>\
             </services>"
        );
    }

    #[test]
    fn nested_lists_use_their_own_item_names() {
        let doc = document(
            "service_definition",
            &json!({ "attributes": [{ "values": [{ "key": "1" }] }] }),
        );
        assert!(doc.contains("<attributes><attribute><values><value><key>1</key>"));
        assert!(!document("errors", &json!([{ "code": 1 }])).contains('\u{1}'));
    }
}
