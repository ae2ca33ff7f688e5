//! Secrets never show (issue 9, finding 3): the fields the spec marks
//! `secret = true` (Login's `Secret` and `Key`, the passwords and keys of
//! PJSIP's auth sections) are redacted in `Debug` output and in errors,
//! decoded or built.

use ami_generated::manager::{LoginAction, LoginAuthType};
use ami_generated::pjsip::AuthDetailEvent;
use ami_runtime::client::Error;
use ami_runtime::wire::{decode_action, encode_action, FromEvent, Message};

const SECRET: &str = "hunter2-s3cret";
const KEY: &str = "0123456789abcdef-key";

#[test]
fn a_decoded_login_shows_neither_secret_nor_key() {
    let msg = Message::new()
        .with("Action", "Login")
        .with("Username", "admin")
        .with("Secret", SECRET)
        .with("Key", KEY);
    let login: LoginAction = decode_action(&msg).unwrap();
    let shown = format!("{login:?} {login:#?}");
    assert!(!shown.contains(SECRET) && !shown.contains(KEY), "{shown}");
    assert!(shown.contains("Secret(***)"), "{shown}");
    // The values are still there, and go to the wire as they are.
    assert_eq!(login.secret.as_ref().map(|s| s.expose()), Some(SECRET));
    // (Secret and Key exclude each other when sending.)
    let mut plain = login.clone();
    plain.key = None;
    let mut out = Vec::new();
    encode_action(&plain, None, &mut out).unwrap();
    let wire = String::from_utf8(out).unwrap();
    assert!(wire.contains(&format!("Secret: {SECRET}\r\n")), "{wire}");
    let mut md5 = login.with_auth_type(LoginAuthType::Md5);
    md5.secret = None;
    let mut out = Vec::new();
    encode_action(&md5, None, &mut out).unwrap();
    let wire = String::from_utf8(out).unwrap();
    assert!(wire.contains(&format!("Key: {KEY}\r\n")), "{wire}");
}

#[test]
fn a_refused_secret_is_not_quoted_in_the_error() {
    for evil in [
        format!("{SECRET}\r\nAction: Originate"),
        format!("{SECRET}\0"),
    ] {
        let login = LoginAction::new("admin").with_secret(evil.as_str());
        let err = encode_action(&login, None, &mut Vec::new()).unwrap_err();
        // What `Client::send` returns for it.
        let client_err = Error::Encode(err.clone());
        let shown = format!("{err} {err:?} {client_err} {client_err:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        let login = LoginAction::new("admin").with_key(evil.as_str());
        let err = encode_action(&login, None, &mut Vec::new()).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
}

#[test]
fn a_decoded_auth_section_shows_no_password() {
    let msg = Message::new()
        .with("Event", "AuthDetail")
        .with("ObjectType", "auth")
        .with("ObjectName", "alice")
        .with("Username", "alice")
        .with("Password", SECRET)
        .with("Md5Cred", KEY)
        .with("EndpointName", "alice");
    let event = AuthDetailEvent::from_event(&msg).unwrap();
    let shown = format!("{event:?}");
    assert!(!shown.contains(SECRET) && !shown.contains(KEY), "{shown}");
    let any = ami_generated::Event::from_event(&msg).unwrap();
    let shown = format!("{any:?}");
    assert!(!shown.contains(SECRET) && !shown.contains(KEY), "{shown}");
}
