//! The one place where wire names become Rust names.
//!
//! * types and enum variants: UpperCamelCase by `heck` (`QueueStatus`,
//!   `PJSIPShowEndpoints` -> `PjsipShowEndpoints`, `Not Permitted` ->
//!   `NotPermitted`), then the suffix of their role ([`action_type`],
//!   [`response_type`], [`event_type`]) unless the name already ends with
//!   it (the event `UserEvent` is `UserEvent`; the action `UserEvent` is
//!   `UserEventAction`);
//! * fields: snake_case by `heck` (`CallerIDNum` -> `caller_id_num`,
//!   `Cause-txt` -> `cause_txt`);
//! * Rust keywords, everywhere: append `_` (`Type` -> `type_`, `Self` ->
//!   `Self_`). Raw identifiers (`r#type`) are never used, so every name reads
//!   and greps the same in docs, code and error messages.
//!
//! A name that still is no Rust identifier (`0`, `*`, `3rdParty`) yields
//! `None`; the spec must then give a `rust_name`.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Strict and reserved keywords of Rust 2021 (and `gen`, reserved in 2024).
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Whether `name` is a Rust keyword (and so needs the `_` suffix).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Whether `name` is a plain ASCII Rust identifier that is not a keyword.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !is_keyword(name)
}

/// Apply the keyword rule: `type` -> `type_`.
pub fn escape_keyword(name: String) -> String {
    if is_keyword(&name) {
        name + "_"
    } else {
        name
    }
}

/// UpperCamelCase of a wire name, or `None` when that is no identifier.
pub fn upper_camel(wire: &str) -> Option<String> {
    let name = escape_keyword(wire.to_upper_camel_case());
    is_identifier(&name).then_some(name)
}

/// snake_case of a wire name, or `None` when that is no identifier.
pub fn snake(wire: &str) -> Option<String> {
    let name = escape_keyword(wire.to_snake_case());
    is_identifier(&name).then_some(name)
}

/// Whether `name` is acceptable as a given UpperCamelCase `rust_name`.
pub fn is_upper_camel(name: &str) -> bool {
    is_identifier(name) && name.starts_with(|c: char| c.is_ascii_uppercase()) && !name.contains('_')
}

/// Whether `name` is acceptable as a given snake_case `rust_name`.
pub fn is_snake(name: &str) -> bool {
    is_identifier(name) && !name.contains(|c: char| c.is_ascii_uppercase())
}

/// `<RustName><suffix>`, or the Rust name alone when it already ends with
/// the suffix: the event `UserEvent` is `UserEvent`, not `UserEventEvent`.
fn with_role_suffix(rust_name: &str, suffix: &str) -> String {
    if rust_name.len() > suffix.len() && rust_name.ends_with(suffix) {
        rust_name.to_owned()
    } else {
        format!("{rust_name}{suffix}")
    }
}

/// `<RustName>Action` (the name alone when it ends in `Action`).
pub fn action_type(rust_name: &str) -> String {
    with_role_suffix(rust_name, "Action")
}

/// `<RustName>Response` (the name alone when it ends in `Response`).
pub fn response_type(rust_name: &str) -> String {
    with_role_suffix(rust_name, "Response")
}

/// `<RustName>Event` (the name alone when it ends in `Event`: `UserEvent`).
pub fn event_type(rust_name: &str) -> String {
    with_role_suffix(rust_name, "Event")
}

/// `<RustName>Item`: the enum over the item events of a list response.
pub fn item_type(rust_name: &str) -> String {
    format!("{rust_name}Item")
}

/// `<Owner><Part>`: an enum of a field, or the struct of an indexed group.
/// `owner` is the Rust name of the containing struct without its role
/// suffix for actions and events (`Originate`, `BlindTransfer`), with it for
/// responses (`GetConfigResponse`), and a group's own name for groups.
pub fn nested_type(owner: &str, part_wire: &str) -> Option<String> {
    upper_camel(part_wire).map(|part| format!("{owner}{}", part.trim_end_matches('_')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_upper_camel() {
        assert_eq!(upper_camel("QueueStatus").as_deref(), Some("QueueStatus"));
        assert_eq!(
            upper_camel("PJSIPShowEndpoints").as_deref(),
            Some("PjsipShowEndpoints")
        );
        assert_eq!(upper_camel("SIPnotify").as_deref(), Some("SiPnotify"));
        assert_eq!(
            upper_camel("Not Permitted").as_deref(),
            Some("NotPermitted")
        );
        assert_eq!(upper_camel("Pre-ring").as_deref(), Some("PreRing"));
        assert_eq!(upper_camel("NOT_INUSE").as_deref(), Some("NotInuse"));
        assert_eq!(upper_camel("static").as_deref(), Some("Static"));
        assert_eq!(upper_camel("self").as_deref(), Some("Self_"));
        assert_eq!(action_type("Originate"), "OriginateAction");
        assert_eq!(response_type("GetConfig"), "GetConfigResponse");
        assert_eq!(event_type("Hangup"), "HangupEvent");
        assert_eq!(event_type("UserEvent"), "UserEvent");
        assert_eq!(event_type("Event"), "EventEvent");
        assert_eq!(action_type("UserEvent"), "UserEventAction");
        assert_eq!(action_type("QueueAction"), "QueueAction");
        assert_eq!(
            response_type("CoreSettingsResponse"),
            "CoreSettingsResponse"
        );
        assert_eq!(item_type("QueueStatus"), "QueueStatusItem");
    }

    #[test]
    fn fields_are_snake_case_with_the_keyword_rule() {
        assert_eq!(snake("CallerIDNum").as_deref(), Some("caller_id_num"));
        assert_eq!(snake("ActionID").as_deref(), Some("action_id"));
        assert_eq!(snake("Cause-txt").as_deref(), Some("cause_txt"));
        assert_eq!(snake("AMIversion").as_deref(), Some("am_iversion"));
        assert_eq!(snake("Type").as_deref(), Some("type_"));
        assert_eq!(snake("Async").as_deref(), Some("async_"));
        assert_eq!(snake("Match").as_deref(), Some("match_"));
        assert_eq!(snake("Header1").as_deref(), Some("header1"));
    }

    #[test]
    fn names_that_make_no_identifier_are_refused() {
        assert_eq!(upper_camel("0"), None);
        assert_eq!(upper_camel("*"), None);
        assert_eq!(upper_camel(""), None);
        assert_eq!(snake("3rdParty"), None);
        assert_eq!(snake("---"), None);
        assert_eq!(upper_camel("Ünïcode"), None);
    }

    #[test]
    fn given_rust_names_are_checked() {
        assert!(is_upper_camel("SipNotify"));
        assert!(!is_upper_camel("sip_notify"));
        assert!(!is_upper_camel("Sip_Notify"));
        assert!(!is_upper_camel("Self"));
        assert!(is_snake("units"));
        assert!(is_snake("type_"));
        assert!(!is_snake("type"));
        assert!(!is_snake("Units"));
        assert!(!is_snake("9lives"));
    }

    #[test]
    fn nested_types_join_owner_and_part() {
        assert_eq!(
            nested_type("BlindTransfer", "Result").as_deref(),
            Some("BlindTransferResult")
        );
        assert_eq!(
            nested_type("UpdateConfig", "Change").as_deref(),
            Some("UpdateConfigChange")
        );
        assert_eq!(nested_type("Foo", "Self").as_deref(), Some("FooSelf"));
        assert_eq!(nested_type("Foo", "0"), None);
    }
}
