//! `Serialize` and `Deserialize` for the runtime's own wire types (feature
//! `serde`), in the JSON shape the generated types use: a header is a
//! `["Name", "value"]` pair, a message `{"headers": [...], "text": "..."}`,
//! `None` omitted, lists always arrays.

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

use super::ami_str::AmiStr;
use super::message::{Header, Message};
use super::response::{Ack, CommandOutput, EventList, Goodbye, RawText};
use super::secret::Secret;
use super::serde_support::{from_tree, headers_from_tree, Tree, REDACTED};
use super::value::{AmiBool, Var, WireValue};

/// The entries of an object, taken by key; what is left over is an error.
struct Entries {
    what: &'static str,
    entries: Vec<(String, Tree)>,
}

impl Entries {
    fn new<'de, D: Deserializer<'de>>(d: D, what: &'static str) -> Result<Self, D::Error> {
        let entries = Tree::deserialize(d)?
            .into_map(what)
            .map_err(de::Error::custom)?;
        Ok(Entries { what, entries })
    }

    fn take(&mut self, key: &str) -> Option<Tree> {
        let at = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(at).1).filter(|t| *t != Tree::Null)
    }

    fn string(&mut self, key: &str) -> Result<Option<String>, String> {
        self.take(key)
            .map(|t| t.into_string(&format!("{}: field `{key}`", self.what)))
            .transpose()
    }

    fn done(self) -> Result<(), String> {
        match self.entries.first() {
            Some((key, _)) => Err(format!("{}: unknown field `{key}`", self.what)),
            None => Ok(()),
        }
    }
}

fn custom<E: de::Error>(e: String) -> E {
    E::custom(e)
}

/// A JSON string.
impl Serialize for AmiStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

/// From a JSON string (copied once into shared bytes).
impl<'de> Deserialize<'de> for AmiStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(AmiStr::from)
    }
}

/// `["Name", "value"]`.
impl Serialize for Header {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut pair = s.serialize_tuple(2)?;
        pair.serialize_element(&*self.name)?;
        pair.serialize_element(&*self.value)?;
        pair.end()
    }
}

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let tree = Tree::deserialize(d)?;
        let mut headers = headers_from_tree(Tree::Seq(vec![tree]), "header").map_err(custom)?;
        Ok(headers.remove(0))
    }
}

/// `{"headers": [["Name", "value"], ...], "text": "..."}`; `text` only
/// when the message carries raw text.
impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("headers", &self.headers)?;
        if let Some(text) = &self.text {
            map.serialize_entry("text", text)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut e = Entries::new(d, "message")?;
        let headers = match e.take("headers") {
            Some(t) => headers_from_tree(t, "message: field `headers`").map_err(custom)?,
            None => Vec::new(),
        };
        let text = e.string("text").map_err(custom)?;
        e.done().map_err(custom)?;
        Ok(Message { headers, text })
    }
}

/// A JSON boolean; the spelling it arrived with is not kept (a
/// deserialized `AmiBool` is spelled `true` or `false`).
impl Serialize for AmiBool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(self.value)
    }
}

impl<'de> Deserialize<'de> for AmiBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bool::deserialize(d).map(AmiBool::new)
    }
}

/// `"name=value"`, the wire form.
impl Serialize for Var {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Var {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Var::parse_wire(&text).map_err(|e| custom(e.to_string()))
    }
}

/// Always `"********"`: serde output is output, and a secret is never
/// printed. Deserializes from the secret's text.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// `{"message": "...", "extra": [...]}`, each omitted when absent or empty.
impl Serialize for Ack {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(message) = &self.message {
            map.serialize_entry("message", message)?;
        }
        if !self.extra.is_empty() {
            map.serialize_entry("extra", &self.extra)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Ack {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut e = Entries::new(d, "Ack")?;
        let message = e.string("message").map_err(custom)?;
        let extra = match e.take("extra") {
            Some(t) => headers_from_tree(t, "Ack: field `extra`").map_err(custom)?,
            None => Vec::new(),
        };
        e.done().map_err(custom)?;
        Ok(Ack { message, extra })
    }
}

/// `{"message": "..."}`, omitted when absent.
impl Serialize for Goodbye {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(message) = &self.message {
            map.serialize_entry("message", message)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Goodbye {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut e = Entries::new(d, "Goodbye")?;
        let message = e.string("message").map_err(custom)?;
        e.done().map_err(custom)?;
        Ok(Goodbye { message })
    }
}

/// `{"message": "...", "lines": ["...", ...]}`; `lines` always present.
impl Serialize for CommandOutput {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(message) = &self.message {
            map.serialize_entry("message", message)?;
        }
        map.serialize_entry("lines", &self.lines)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for CommandOutput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut e = Entries::new(d, "CommandOutput")?;
        let message = e.string("message").map_err(custom)?;
        let lines = match e.take("lines") {
            Some(t) => t
                .into_seq("CommandOutput: field `lines`")
                .and_then(|lines| {
                    lines
                        .into_iter()
                        .map(|l| l.into_string("CommandOutput: field `lines`"))
                        .collect()
                })
                .map_err(custom)?,
            None => Vec::new(),
        };
        e.done().map_err(custom)?;
        Ok(CommandOutput { message, lines })
    }
}

/// `{"text": "..."}`.
impl Serialize for RawText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("text", &self.text)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut e = Entries::new(d, "RawText")?;
        let text = e.string("text").map_err(custom)?.unwrap_or_default();
        e.done().map_err(custom)?;
        Ok(RawText { text })
    }
}

/// `{"message": "...", "items": [...], "complete": {...}}`; `items` always
/// present.
impl<I: Serialize, C: Serialize> Serialize for EventList<I, C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(message) = &self.message {
            map.serialize_entry("message", message)?;
        }
        map.serialize_entry("items", &self.items)?;
        map.serialize_entry("complete", &self.complete)?;
        map.end()
    }
}

impl<'de, I: de::DeserializeOwned, C: de::DeserializeOwned> Deserialize<'de> for EventList<I, C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut e = Entries::new(d, "EventList")?;
        let message = e.string("message").map_err(custom)?;
        let items = match e.take("items") {
            Some(t) => from_tree(t).map_err(custom)?,
            None => Vec::new(),
        };
        let complete = match e.take("complete") {
            Some(t) => from_tree(t).map_err(custom)?,
            None => return Err(custom("EventList: missing field `complete`".to_owned())),
        };
        e.done().map_err(custom)?;
        Ok(EventList {
            message,
            items,
            complete,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_and_headers() {
        let msg = Message::new().with("Event", "X").with("A", "1");
        let json = serde_json::to_string(&msg).unwrap();
        assert_eq!(json, r#"{"headers":[["Event","X"],["A","1"]]}"#);
        assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), msg);
        let err = serde_json::from_str::<Message>(r#"{"headers":[["A"]]}"#).unwrap_err();
        assert!(err.to_string().contains("[name, value] pair"), "{err}");
        let err = serde_json::from_str::<Message>(r#"{"header":[]}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `header`"), "{err}");
    }

    #[test]
    fn scalars() {
        let text = AmiStr::from("caf\u{e9}");
        assert_eq!(serde_json::to_string(&text).unwrap(), "\"caf\u{e9}\"");
        assert_eq!(
            serde_json::from_str::<AmiStr>("\"caf\u{e9}\"").unwrap(),
            text
        );
        assert_eq!(
            serde_json::to_string(&Var::new("a", "b=c")).unwrap(),
            r#""a=b=c""#
        );
        assert_eq!(
            serde_json::from_str::<Var>(r#""a=b=c""#).unwrap(),
            Var::new("a", "b=c")
        );
        assert!(serde_json::from_str::<Var>(r#""novalue""#).is_err());
        assert_eq!(
            serde_json::to_string(&Secret::new("pw")).unwrap(),
            r#""********""#
        );
        assert_eq!(
            serde_json::from_str::<Secret>(r#""pw""#).unwrap().expose(),
            "pw"
        );
        let yes = AmiBool::parse_wire("Yes").unwrap();
        assert_eq!(serde_json::to_string(&yes).unwrap(), "true");
        assert_eq!(serde_json::from_str::<AmiBool>("true").unwrap(), true);
    }

    #[test]
    fn responses() {
        let ack = Ack {
            message: Some("Pong".to_owned()),
            extra: vec![Header::new("Ping", "Pong")],
        };
        let json = serde_json::to_string(&ack).unwrap();
        assert_eq!(json, r#"{"message":"Pong","extra":[["Ping","Pong"]]}"#);
        assert_eq!(serde_json::from_str::<Ack>(&json).unwrap(), ack);
        assert_eq!(serde_json::to_string(&Ack::default()).unwrap(), "{}");
        let out = CommandOutput {
            message: None,
            lines: vec!["a".to_owned()],
        };
        let json = serde_json::to_string(&out).unwrap();
        assert_eq!(json, r#"{"lines":["a"]}"#);
        assert_eq!(serde_json::from_str::<CommandOutput>(&json).unwrap(), out);
        let list = EventList {
            message: None,
            items: vec![Var::new("a", "1")],
            complete: Var::new("b", "2"),
        };
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, r#"{"items":["a=1"],"complete":"b=2"}"#);
        assert_eq!(
            serde_json::from_str::<EventList<Var, Var>>(&json).unwrap(),
            list
        );
    }
}
