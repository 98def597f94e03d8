//! Every string input `openapi.yaml` declares — path and query parameters, and the string
//! properties (nested ones included) of JSON, form and multipart request bodies — with a
//! request that carries a chosen value in exactly that input and plausible values elsewhere.

use serde_json::{Map, Value, json};

use crate::contract::Contract;

/// Where an input travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A `{name}` segment of the path.
    Path,
    /// A query parameter.
    Query,
    /// A property of a JSON body, at this chain of property names.
    Json(Vec<String>),
    /// A field of an `application/x-www-form-urlencoded` body.
    Form,
    /// A text part of a `multipart/form-data` body.
    Multipart,
}

/// One string input of one operation.
#[derive(Debug, Clone)]
pub struct Input {
    /// `GET`, `POST` …
    pub method: String,
    /// The path template, `/v1/regions/{region}`.
    pub path: String,
    /// The parameter or property name.
    pub name: String,
    /// Where it travels.
    pub place: Place,
    /// The operation (for filling the other inputs).
    op: Value,
}

/// A request ready to send: method, path with query, and body.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `GET`, `POST` …
    pub method: String,
    /// Path and query string, percent-encoded.
    pub url: String,
    /// The body, if any.
    pub body: Option<Body>,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// `application/json`.
    Json(Value),
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// `multipart/form-data` text parts.
    Multipart(Vec<(String, String)>),
}

/// A UUID no resource has, for path segments the probe does not aim at.
const SOME_ID: &str = "01900000-0000-7000-8000-000000000000";

impl Input {
    /// A description for failure messages.
    pub fn label(&self) -> String {
        format!(
            "{} {} {:?} {}",
            self.method, self.path, self.place, self.name
        )
    }

    /// The request that sends `value` in this input.
    pub fn probe(&self, contract: &Contract, value: &str) -> Probe {
        let mut path = self.path.clone();
        for param in contract.parameters(&self.op, &self.path) {
            if param["in"] != "path" {
                continue;
            }
            let name = param["name"].as_str().unwrap_or_default();
            let filler = if self.place == Place::Path && self.name == name {
                value.to_owned()
            } else {
                let sample = contract.sample(&param["schema"]);
                sample
                    .as_str()
                    .map_or_else(|| sample.to_string(), str::to_owned)
            };
            path = path.replace(&format!("{{{name}}}"), &encode(&filler));
        }
        if self.place == Place::Query {
            path = format!("{path}?{}={}", encode(&self.name), encode(value));
        }
        let body = self.body(contract, value);
        Probe {
            method: self.method.clone(),
            url: path,
            body,
        }
    }

    fn body(&self, contract: &Contract, value: &str) -> Option<Body> {
        let content = &self.op["requestBody"]["content"];
        let fields = |kind: &str| {
            let schema = contract.deref(&content[kind]["schema"]);
            let mut fields: Vec<(String, String)> = Vec::new();
            for name in required(&schema) {
                let sample = contract.sample(&schema["properties"][&name]);
                fields.push((name, sample.as_str().unwrap_or("1").to_owned()));
            }
            fields.retain(|(n, _)| *n != self.name);
            fields.push((self.name.clone(), value.to_owned()));
            fields
        };
        match &self.place {
            Place::Form => Some(Body::Form(fields("application/x-www-form-urlencoded"))),
            Place::Multipart => Some(Body::Multipart(fields("multipart/form-data"))),
            Place::Json(pointer) => {
                let schema = &content["application/json"]["schema"];
                let mut body = contract.sample(schema);
                set(&mut body, pointer, value);
                Some(Body::Json(body))
            }
            Place::Path | Place::Query => content
                .get("application/json")
                .map(|c| Body::Json(contract.sample(&c["schema"]))),
        }
    }
}

/// Percent-encodes everything but ASCII letters and digits.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn required(schema: &Value) -> Vec<String> {
    schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn set(body: &mut Value, pointer: &[String], value: &str) {
    let Some((last, parents)) = pointer.split_last() else {
        return;
    };
    let mut at = body;
    for name in parents {
        if !at.is_object() {
            *at = json!({});
        }
        at = at
            .as_object_mut()
            .expect("object")
            .entry(name.clone())
            .or_insert_with(|| json!({}));
    }
    if !at.is_object() {
        *at = json!({});
    }
    at.as_object_mut()
        .expect("object")
        .insert(last.clone(), json!(value));
}

fn is_string(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

impl Contract {
    /// Every string input of every operation, in the contract's order.
    pub fn string_inputs(&self) -> Vec<Input> {
        let mut inputs = Vec::new();
        for (method, path) in self.operations() {
            let op = self.spec()["paths"][&path][method.to_lowercase()].clone();
            let input = |name: &str, place: Place| Input {
                method: method.clone(),
                path: path.clone(),
                name: name.to_owned(),
                place,
                op: op.clone(),
            };
            for param in self.parameters(&op, &path) {
                let place = match param["in"].as_str() {
                    Some("path") => Place::Path,
                    Some("query") => Place::Query,
                    _ => continue,
                };
                let schema = self.deref(&param["schema"]);
                if is_string(&schema) || is_string(&self.deref(&schema["items"])) {
                    inputs.push(input(param["name"].as_str().unwrap_or_default(), place));
                }
            }
            let content = &op["requestBody"]["content"];
            if let Some(schema) = content.get("application/json").map(|c| &c["schema"]) {
                let mut found = Vec::new();
                self.string_properties(schema, &mut Vec::new(), &mut found, 0);
                if found.is_empty() {
                    // A document without declared properties (GeoJSON): any string in it.
                    found.push(vec!["name".to_owned()]);
                }
                for pointer in found {
                    let name = pointer.join(".");
                    inputs.push(input(&name, Place::Json(pointer)));
                }
            }
            for (kind, place) in [
                ("application/x-www-form-urlencoded", Place::Form),
                ("multipart/form-data", Place::Multipart),
            ] {
                let schema = self.deref(&content[kind]["schema"]);
                for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                    let prop = self.deref(prop);
                    if is_string(&prop) && prop["format"] != "binary" {
                        inputs.push(input(name, place.clone()));
                    }
                }
            }
        }
        inputs
    }

    fn string_properties(
        &self,
        schema: &Value,
        at: &mut Vec<String>,
        found: &mut Vec<Vec<String>>,
        depth: usize,
    ) {
        let schema = self.deref(schema);
        if depth > 6 {
            return;
        }
        for branch in ["allOf", "oneOf", "anyOf"] {
            for sub in schema[branch].as_array().into_iter().flatten() {
                self.string_properties(sub, at, found, depth + 1);
            }
        }
        for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
            let prop = self.deref(prop);
            at.push(name.clone());
            let items = self.deref(&prop["items"]);
            if is_string(&prop) || is_string(&items) {
                if !found.contains(at) {
                    found.push(at.clone());
                }
            } else {
                self.string_properties(&prop, at, found, depth + 1);
            }
            at.pop();
        }
    }

    /// The parameters of an operation and of its path item, `$ref`s resolved.
    pub fn parameters(&self, op: &Value, path: &str) -> Vec<Value> {
        let item = &self.spec()["paths"][path];
        item["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(op["parameters"].as_array().into_iter().flatten())
            .map(|p| self.deref(p))
            .collect()
    }

    /// A value that fits `schema` plausibly: required properties only, first enum values,
    /// ids and times of the right format.
    pub fn sample(&self, schema: &Value) -> Value {
        self.sample_at(schema, 0)
    }

    fn sample_at(&self, schema: &Value, depth: usize) -> Value {
        let schema = self.deref(schema);
        if depth > 6 {
            return Value::Null;
        }
        if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
            return first.clone();
        }
        if let Some(first) = ["allOf", "oneOf", "anyOf"]
            .iter()
            .find_map(|b| schema[*b].as_array().and_then(|a| a.first()))
        {
            return self.sample_at(first, depth + 1);
        }
        let kind = match &schema["type"] {
            Value::String(t) => t.clone(),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null")
                .to_owned(),
            _ if schema["properties"].is_object() => "object".to_owned(),
            _ => "null".to_owned(),
        };
        match kind.as_str() {
            "object" => {
                let mut out = Map::new();
                for name in required(&schema) {
                    let value = self.sample_at(&schema["properties"][&name], depth + 1);
                    out.insert(name, value);
                }
                Value::Object(out)
            }
            "array" => json!([]),
            "integer" => json!(schema["minimum"].as_i64().unwrap_or(1).max(1)),
            "number" => json!(schema["minimum"].as_f64().unwrap_or(0.0).max(0.0)),
            "boolean" => json!(false),
            "string" => json!(match schema["format"].as_str() {
                Some("uuid") => SOME_ID,
                Some("date-time") => "2026-11-05T08:15:30Z",
                Some("uri") => "https://example.org/hook",
                _ => "x",
            }),
            _ => Value::Null,
        }
    }

    /// `schema` with a top-level `$ref` followed (recursively).
    pub fn deref(&self, schema: &Value) -> Value {
        let mut at = schema.clone();
        for _ in 0..8 {
            let Some(reference) = at.get("$ref").and_then(Value::as_str) else {
                return at;
            };
            let pointer = reference.strip_prefix('#').expect("local $ref");
            at = self.spec().pointer(pointer).cloned().unwrap_or(Value::Null);
        }
        at
    }
}
