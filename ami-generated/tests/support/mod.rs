//! Hand-written support of the generated tests (`examples.rs`): what
//! checking one wire example means. `cargo xtask regen` never touches this
//! file (it has no `@generated` first line); the generated tests call
//! [`request`], [`incomplete_request`], [`response`] and [`event`].

// Unused when no family is enabled (no example test is compiled).
#![allow(dead_code)]

use std::fmt::Debug;

use ami_generated::{registry, Event};
use ami_runtime::wire::{
    decode_action, encode_action, Action, Fields, FromEvent, FromResponse, Header, Message, Reply,
};

fn parse(text: &str) -> Message {
    Message::parse_block(text).unwrap_or_else(|e| panic!("the example does not parse: {e}"))
}

fn is_bool(name: &str, bools: &[&str]) -> bool {
    bools.iter().any(|b| {
        name.len() >= b.len()
            && name.is_char_boundary(b.len())
            && name[..b.len()].eq_ignore_ascii_case(b)
            && matches!(name[b.len()..].chars().next(), None | Some('-') | Some('('))
    })
}

fn truth(value: &str) -> Option<bool> {
    let v = value.trim().to_ascii_lowercase();
    match v.as_str() {
        "yes" | "true" | "y" | "t" | "1" | "on" => Some(true),
        "no" | "false" | "n" | "f" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// The headers sorted by name (stable: repeats keep their order).
fn sorted(msg: &Message) -> Vec<&Header> {
    let mut headers: Vec<&Header> = msg.headers.iter().collect();
    headers.sort_by_key(|h| h.name.to_ascii_lowercase());
    headers
}

/// The request decodes into its typed action `A` and encodes back to the
/// same headers (names compared ignoring case, values exactly, the
/// booleans named in `bools` by truth value since they are sent as
/// `true`/`false`); unless `free` (the action takes headers of any name),
/// no header is left unrecognised. The registry knows the action and agrees.
pub fn request<A: Action + PartialEq + Debug>(text: &str, bools: &[&str], free: bool) {
    let msg = parse(text);
    let action: A = decode_action(&msg).unwrap_or_else(|e| panic!("{e}"));
    if !free {
        let mut unknown = Vec::new();
        Fields::unknown_headers(&action, &mut unknown);
        assert!(unknown.is_empty(), "headers no parameter took: {unknown:?}");
    }
    let mut out = Vec::new();
    encode_action(&action, msg.action_id(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    let wire = String::from_utf8(out).expect("the encoding is UTF-8");
    let encoded = parse(&wire);
    let (want, got) = (sorted(&msg), sorted(&encoded));
    assert_eq!(
        want.len(),
        got.len(),
        "header count differs:\n{want:?}\n{got:?}"
    );
    for (w, g) in want.iter().zip(&got) {
        assert!(w.name.eq_ignore_ascii_case(&g.name), "{w:?} became {g:?}");
        let same = if w.is("Action") {
            w.value.eq_ignore_ascii_case(&g.value)
        } else if is_bool(&w.name, bools) {
            truth(&w.value).is_some() && truth(&w.value) == truth(&g.value)
        } else {
            w.value == g.value
        };
        assert!(same, "{w:?} became {g:?}");
    }
    let again: A = decode_action(&encoded).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, action);
    let info = registry::action_info(&A::NAME.to_ascii_lowercase())
        .unwrap_or_else(|| panic!("{} is not in the registry", A::NAME));
    assert_eq!((info.name, info.shape), (A::NAME, A::SHAPE));
    registry::check_action(&msg).unwrap_or_else(|e| panic!("registry: {e}"));
}

/// A request that lacks a required parameter (an example of an
/// error reply): decoding refuses it, naming the parameter.
pub fn incomplete_request<A: Action + Debug>(text: &str, missing: &str) {
    let msg = parse(text);
    match decode_action::<A>(&msg) {
        Ok(action) => panic!("decoded without {missing}: {action:?}"),
        Err(e) => assert!(e.to_string().contains(missing), "{e}"),
    }
}

/// A `Response: Error` carries a `Message`; any other reply (with the
/// item and completion events of a list) decodes into `A`'s typed
/// response, the registry's too, with no header left unrecognised unless
/// `free`.
pub fn response<A: Action>(head: &str, items: &[&str], complete: Option<&str>, free: bool) {
    let head = parse(head);
    if head
        .get("Response")
        .is_some_and(|r| r.eq_ignore_ascii_case("Error"))
    {
        assert!(
            head.get("Message").is_some(),
            "an error response carries a Message"
        );
        return;
    }
    let reply = Reply {
        head,
        items: items.iter().map(|t| parse(t)).collect(),
        complete: complete.map(parse),
    };
    let typed = <A::Response as FromResponse>::from_reply(&reply, A::NAME)
        .unwrap_or_else(|e| panic!("{e}"));
    registry::check_reply(A::NAME, &reply).unwrap_or_else(|e| panic!("registry: {e}"));
    if !free {
        let mut unknown = Vec::new();
        typed.unknown_headers(&mut unknown);
        assert!(
            unknown.is_empty(),
            "headers no response field took: {unknown:?}"
        );
    }
}

/// The event decodes into its typed struct through [`Event`] (not
/// `Event::Unknown`), with no header left unrecognised unless `free`.
pub fn event(text: &str, free: bool) {
    let msg = parse(text);
    let event = Event::from_event(&msg).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !matches!(event, Event::Unknown(_)),
        "not a known event: {msg:?}"
    );
    if !free {
        let mut unknown = Vec::new();
        event.unknown_headers(&mut unknown);
        assert!(
            unknown.is_empty(),
            "headers no event field took: {unknown:?}"
        );
    }
}
