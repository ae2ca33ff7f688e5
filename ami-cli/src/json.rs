//! One JSON object per message, keys in a fixed order and headers in wire
//! order (serde_json's map would sort them), so that the output reads like
//! the capture.

use ami_runtime::wire::Message;

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

    /// `"fields": {...}` with the headers of `msg` in wire order; a header
    /// that repeats (any case) becomes an array of its values; then
    /// `"text"` when the message carries raw text.
    pub fn fields(mut self, msg: &Message) -> Self {
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for h in &msg.headers {
            match groups
                .iter_mut()
                .find(|(name, _)| name.eq_ignore_ascii_case(&h.name))
            {
                Some((_, values)) => values.push(&h.value),
                None => groups.push((&h.name, vec![&h.value])),
            }
        }
        let mut fields = Object::new();
        for (name, values) in groups {
            fields = if values.len() == 1 {
                fields.str(name, values[0])
            } else {
                let values: Vec<String> = values.into_iter().map(str::to_owned).collect();
                fields.strs(name, &values)
            };
        }
        self.key("fields");
        self.out.push_str(&fields.finish());
        match &msg.text {
            Some(text) => self.str("text", text),
            None => self,
        }
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
    fn keys_keep_their_order_and_repeats_become_arrays() {
        let msg = Message::new()
            .with("Event", "VarSet")
            .with("ChanVariable", "a=1")
            .with("Value", "x\"y")
            .with("chanvariable", "b=2");
        let json = Object::new()
            .str("type", "event")
            .bool("typed", true)
            .fields(&msg)
            .finish();
        assert_eq!(
            json,
            r#"{"type":"event","typed":true,"fields":{"Event":"VarSet","ChanVariable":["a=1","b=2"],"Value":"x\"y"}}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["fields"]["Value"], "x\"y");
        assert_eq!(Object::new().finish(), "{}");
    }
}
