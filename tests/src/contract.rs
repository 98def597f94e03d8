//! The contract: `openapi.yaml` parsed once, its operations listed, and responses validated
//! against the schemas it declares for them.

use serde_json::{Value, json};

/// The parsed OpenAPI document.
pub struct Contract {
    spec: Value,
}

/// HTTP methods an OpenAPI path item may hold.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

impl Contract {
    /// Parses the `openapi.yaml` the server embeds (the file at the repository root).
    pub fn load() -> Self {
        let spec: Value = serde_norway::from_str(cunxiang_api::routes::OPENAPI_YAML)
            .expect("openapi.yaml parses");
        Contract { spec }
    }

    /// Every (METHOD, path) the contract documents, sorted.
    pub fn operations(&self) -> Vec<(String, String)> {
        let mut ops = Vec::new();
        for (path, item) in self.spec["paths"].as_object().expect("paths") {
            for method in METHODS {
                if item.get(method).is_some() {
                    ops.push((method.to_uppercase(), path.clone()));
                }
            }
        }
        ops.sort();
        ops
    }

    /// Every (METHOD, path) whose request body may be `application/json`, sorted.
    pub fn json_body_operations(&self) -> Vec<(String, String)> {
        self.operations()
            .into_iter()
            .filter(|(method, path)| {
                let op = &self.spec["paths"][path][method.to_lowercase()];
                op["requestBody"]["content"]["application/json"].is_object()
            })
            .collect()
    }

    /// Checks `body`, returned with `status` by `METHOD path`, against the schema the contract
    /// declares for that response; panics with every violation when it does not match, or when
    /// the contract does not declare that status at all.
    pub fn check(&self, method: &str, path: &str, status: u16, body: &Value) {
        let op = &self.spec["paths"][path][method.to_lowercase()];
        assert!(op.is_object(), "openapi.yaml has no {method} {path}");
        let mut response = op["responses"][status.to_string()].clone();
        if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            response = self.resolve(reference).clone();
        }
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "openapi.yaml declares no JSON response {status} for {method} {path}"
        );
        let root = json!({ "components": self.spec["components"], "allOf": [schema] });
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} → {status} does not match openapi.yaml:\n  {}\nbody: {body}",
            errors.join("\n  ")
        );
    }

    /// Whether `value` is valid against the component schema `name` (format checks on).
    pub fn schema_accepts(&self, name: &str, value: &Value) -> bool {
        let root = json!({
            "components": self.spec["components"],
            "allOf": [{ "$ref": format!("#/components/schemas/{name}") }],
        });
        jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .expect("schema compiles")
            .is_valid(value)
    }

    /// The whole parsed document.
    pub fn spec(&self) -> &Value {
        &self.spec
    }

    fn resolve(&self, reference: &str) -> &Value {
        let pointer = reference.strip_prefix('#').expect("local $ref");
        self.spec
            .pointer(pointer)
            .unwrap_or_else(|| panic!("dangling $ref {reference}"))
    }
}
