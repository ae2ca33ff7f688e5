//! One JSON object per message, keys in a fixed order and headers in wire
//! order (serde_json's map would sort them), so that the output reads like
//! the capture.

/// Builds one JSON object, keys in insertion order.
#[derive(Debug, Default)]
pub struct Object {
    out: String,
}

fn string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object::default()
    }

    fn key(&mut self, key: &str) {
        self.out.push(if self.out.is_empty() { '{' } else { ',' });
        self.out.push_str(&string(key));
        self.out.push(':');
    }

    /// `"key": "value"`.
    pub fn str(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        self.out.push_str(&string(value));
        self
    }

    /// `"key": "value"` or `"key": null`.
    pub fn opt_str(mut self, key: &str, value: Option<&str>) -> Self {
        self.key(key);
        self.out
            .push_str(&value.map_or_else(|| "null".to_owned(), string));
        self
    }

    /// `"key": true|false`.
    pub fn bool(mut self, key: &str, value: bool) -> Self {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// `"key": 123`.
    pub fn num(mut self, key: &str, value: u64) -> Self {
        self.key(key);
        self.out.push_str(&value.to_string());
        self
    }

    /// `"key": ["a", "b"]`.
    pub fn strs(mut self, key: &str, values: &[String]) -> Self {
        self.key(key);
        let items: Vec<String> = values.iter().map(|v| string(v)).collect();
        self.out.push('[');
        self.out.push_str(&items.join(","));
        self.out.push(']');
        self
    }

    /// `"key": <json>`, the value already JSON text.
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.out.push_str(json);
        self
    }

    /// The object's text.
    pub fn finish(mut self) -> String {
        if self.out.is_empty() {
            self.out.push('{');
        }
        self.out.push('}');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_order() {
        let json = Object::new()
            .str("kind", "event")
            .opt_str("name", None)
            .bool("untyped", true)
            .num("n", 3)
            .raw("headers", r#"[["A","x\"y"]]"#)
            .strs("list", &["a".to_owned()])
            .finish();
        assert_eq!(
            json,
            r#"{"kind":"event","name":null,"untyped":true,"n":3,"headers":[["A","x\"y"]],"list":["a"]}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["headers"][0][1], "x\"y");
        assert_eq!(Object::new().finish(), "{}");
    }
}
