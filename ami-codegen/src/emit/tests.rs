//! The generated tests of `ami-generated`: every wire example of the spec
//! (`tests/examples.rs`) and the refusals of every action
//! (`tests/refusals.rs`). Each test is gated by the cargo features of the
//! families it touches.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::rust::format_file;
use super::wire_lines;
use crate::casing;
use crate::model::*;

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// A string literal, raw and multi-line when possible so that the
/// generated tests read like the spec.
fn text_literal(text: &str) -> TokenStream {
    let lines = wire_lines(text);
    let text = format!("{}\n", lines.join("\n"));
    if !text.contains('\r') {
        let mut hashes = String::from("#");
        while text.contains(&format!("\"{hashes}")) {
            hashes.push('#');
        }
        if let Ok(tokens) = format!("r{hashes}\"{text}\"{hashes}").parse::<TokenStream>() {
            return tokens;
        }
    }
    quote!(#text)
}

/// `#[cfg(feature = "a")]` or `#[cfg(all(feature = "a", feature = "b"))]`.
fn cfg(features: &BTreeSet<String>) -> TokenStream {
    let list: Vec<TokenStream> = features.iter().map(|f| quote!(feature = #f)).collect();
    match list.len() {
        0 => TokenStream::new(),
        1 => quote!(#[cfg(#(#list)*)]),
        _ => quote!(#[cfg(all(#(#list),*))]),
    }
}

/// `use ami_generated::<family>` for the `used` families, each behind its feature.
fn family_imports(model: &Model, used: &BTreeSet<&str>) -> TokenStream {
    let uses = model
        .families
        .iter()
        .filter(|f| used.contains(f.name.as_str()))
        .map(|f| {
            let name = ident(&f.name);
            if f.is_common() {
                quote!(
                    use ami_generated::common;
                )
            } else {
                let feature = &f.name;
                quote!(#[cfg(feature = #feature)] use ami_generated::#name;)
            }
        });
    quote!(#(#uses)*)
}

fn test_name(rust: &str) -> String {
    casing::snake(rust).unwrap_or_else(|| "invalid".to_owned())
}

fn type_path(family: &str, type_name: &str) -> TokenStream {
    let family = ident(family);
    let ty = ident(type_name);
    quote!(#family::#ty)
}

fn event_name(text: &str) -> Option<String> {
    wire_lines(text).iter().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("Event")
            .then(|| value.trim().to_owned())
    })
}

/// `ami-generated/tests/examples.rs`.
pub fn examples_rs(model: &Model) -> String {
    let mut tests = TokenStream::new();
    for a in model.actions() {
        let ty = type_path(&a.family, &a.type_name);
        let bools: Vec<&str> = a
            .all_fields()
            .filter(|f| f.ty == Type::Scalar(Scalar::Bool))
            .map(|f| f.wire.as_str())
            .collect();
        let free = !a.free.is_empty();
        for (n, ex) in a.examples.iter().enumerate() {
            let mut features = BTreeSet::from([a.family.clone()]);
            let name = format_ident!("{}_example_{}", test_name(&a.rust), n + 1);
            let doc = match &ex.title {
                Some(t) => format!(" {}: {t}", a.wire),
                None => format!(" {}", a.wire),
            };
            let request = text_literal(&ex.request);
            let mut body = if ex.missing.is_empty() {
                quote!(request::<#ty>(#request, &[#(#bools),*], #free);)
            } else {
                let missing = &ex.missing[0];
                quote!(incomplete_request::<#ty>(#request, #missing);)
            };
            let (items_wire, complete_wire) = match &a.response.kind {
                ResponseKind::List { items, complete } => (
                    items.iter().map(|i| i.wire.to_ascii_lowercase()).collect(),
                    Some(complete.wire.to_ascii_lowercase()),
                ),
                _ => (Vec::new(), None),
            };
            let mut items = Vec::new();
            let mut complete = None;
            for e in &ex.events {
                let Some(name) = event_name(e).map(|n| n.to_ascii_lowercase()) else {
                    continue;
                };
                if let Some(ev) = model.event(&name) {
                    features.insert(ev.family.clone());
                }
                if items_wire.contains(&name) {
                    items.push(text_literal(e));
                } else if complete_wire.as_deref() == Some(name.as_str()) {
                    complete = Some(text_literal(e));
                }
            }
            if let Some(r) = &ex.response {
                let head = text_literal(r);
                let complete = match complete {
                    Some(c) => quote!(Some(#c)),
                    None => quote!(None),
                };
                let free = a.has_free_response();
                body.extend(quote! {
                    response::<#ty>(#head, &[#(#items),*], #complete, #free);
                });
            }
            for e in &ex.events {
                let text = text_literal(e);
                let free = event_name(e)
                    .and_then(|n| model.event(&n))
                    .is_some_and(|ev| ev.has_free_fields());
                body.extend(quote!(event(#text, #free);));
            }
            features.remove(COMMON);
            let cfg = cfg(&features);
            tests.extend(quote! {
                #[doc = #doc]
                #cfg
                #[test]
                fn #name() {
                    #body
                }
            });
        }
    }
    let used: BTreeSet<&str> = model
        .actions()
        .filter(|a| !a.examples.is_empty())
        .map(|a| a.family.as_str())
        .collect();
    let imports = family_imports(model, &used);
    format_file(
        "spec/*.toml",
        quote! {
            //! Every wire example of the spec, as a test.
            //!
            //! * the request decodes into its typed action and encodes back to the
            //!   same headers (names compared ignoring case, values exactly, booleans
            //!   by truth value since they are sent as `true`/`false`);
            //! * a `Response: Error` is an error with a `Message`; any other reply
            //!   (with the item and completion events of a list) decodes into the
            //!   typed response with no header left unrecognised;
            //! * every event decodes into its typed struct through [`Event`], with no
            //!   header left unrecognised;
            //! * the registry finds the action by name and checks the request and
            //!   the reply the same way.

            // The helpers are unused when no family is enabled.
            #![allow(dead_code)]

            use std::fmt::Debug;

            use ami_generated::{registry, Event};
            use ami_runtime::wire::{
                decode_action, encode_action, Action, Fields, FromEvent, FromResponse, Header,
                Message, Reply,
            };
            #imports

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

            fn request<A: Action + PartialEq + Debug>(text: &str, bools: &[&str], free: bool) {
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
                assert_eq!(want.len(), got.len(), "header count differs:\n{want:?}\n{got:?}");
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
                // The registry knows the action by any case, and agrees.
                let info = registry::action_info(&A::NAME.to_ascii_lowercase())
                    .unwrap_or_else(|| panic!("{} is not in the registry", A::NAME));
                assert_eq!((info.name, info.shape), (A::NAME, A::SHAPE));
                registry::check_action(&msg).unwrap_or_else(|e| panic!("registry: {e}"));
            }

            /// A request that lacks a required parameter (an example of an
            /// error reply): decoding refuses it, naming the parameter.
            fn incomplete_request<A: Action + Debug>(text: &str, missing: &str) {
                let msg = parse(text);
                match decode_action::<A>(&msg) {
                    Ok(action) => panic!("decoded without {missing}: {action:?}"),
                    Err(e) => assert!(e.to_string().contains(missing), "{e}"),
                }
            }

            fn response<A: Action>(head: &str, items: &[&str], complete: Option<&str>, free: bool) {
                let head = parse(head);
                if head.get("Response").is_some_and(|r| r.eq_ignore_ascii_case("Error")) {
                    assert!(head.get("Message").is_some(), "an error response carries a Message");
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
                    assert!(unknown.is_empty(), "headers no response field took: {unknown:?}");
                }
            }

            fn event(text: &str, free: bool) {
                let msg = parse(text);
                let event = Event::from_event(&msg).unwrap_or_else(|e| panic!("{e}"));
                assert!(!matches!(event, Event::Unknown(_)), "not a known event: {msg:?}");
                if !free {
                    let mut unknown = Vec::new();
                    event.unknown_headers(&mut unknown);
                    assert!(unknown.is_empty(), "headers no event field took: {unknown:?}");
                }
            }

            #tests
        },
    )
}

/// How a test value is used.
#[derive(Clone, Copy, PartialEq)]
enum Use {
    /// An argument of `new` or `with_x` (`impl Into<T>`).
    Arg,
    /// A value of type `T` itself.
    Owned,
}

/// The sample value of a field (its type `T`, not the Option or Vec).
fn sample(f: &Field, owner_family: &str, how: Use) -> TokenStream {
    let example = f.example.as_deref();
    match &f.ty {
        Type::Scalar(Scalar::String) => {
            let v = example.unwrap_or("x");
            match how {
                Use::Arg => quote!(#v),
                Use::Owned => quote!(ami_runtime::wire::AmiStr::from(#v)),
            }
        }
        Type::Scalar(Scalar::Secret) => {
            let v = example.unwrap_or("x");
            match how {
                Use::Arg => quote!(#v),
                Use::Owned => quote!(ami_runtime::wire::Secret::from(#v)),
            }
        }
        Type::Scalar(Scalar::Int) => {
            let v: i64 = example.and_then(|e| e.trim().parse().ok()).unwrap_or(1);
            quote!(#v)
        }
        Type::Scalar(Scalar::Uint) => {
            let v: u64 = example.and_then(|e| e.trim().parse().ok()).unwrap_or(1);
            quote!(#v)
        }
        Type::Scalar(Scalar::Float) => {
            let v: f64 = example
                .and_then(|e| e.trim().parse().ok())
                .filter(|v: &f64| v.is_finite())
                .unwrap_or(1.5);
            quote!(#v)
        }
        Type::Scalar(Scalar::Bool) => {
            let v = example.and_then(crate::model::parse_bool).unwrap_or(true);
            quote!(#v)
        }
        Type::Scalar(Scalar::Var) => {
            let (n, v) = example
                .and_then(|e| e.split_once('='))
                .filter(|(n, _)| !n.is_empty())
                .unwrap_or(("name", "value"));
            quote!(Var::new(#n, #v))
        }
        Type::Enum(e) => {
            let value = example
                .and_then(|x| e.values.iter().find(|v| v.wire.eq_ignore_ascii_case(x)))
                .or(e.values.first());
            let ty = type_path(owner_family, &e.type_name);
            match value {
                Some(v) => {
                    let variant = ident(&v.rust);
                    quote!(#ty::#variant)
                }
                None => quote!(#ty::Unknown(ami_runtime::wire::AmiStr::from("x"))),
            }
        }
    }
}

/// A value for the whole field (`T`, `Option<T>` or `Vec<T>`) as assigned.
fn assigned(f: &Field, value: TokenStream) -> TokenStream {
    if f.is_vec() {
        quote!(vec![#value])
    } else if f.required {
        value
    } else {
        quote!(Some(#value))
    }
}

/// `Group::new(..).with_x(..)` for one entry of an indexed group, every
/// member set.
fn group_entry(family: &str, g: &Group) -> TokenStream {
    let ty = type_path(family, &g.type_name);
    let args = g
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| sample(f, family, Use::Arg));
    let setters = g
        .fields
        .iter()
        .filter(|f| !f.required)
        .map(|f| setter(f, family));
    quote!(#ty::new(#(#args),*) #(#setters)*)
}

fn setter(f: &Field, family: &str) -> TokenStream {
    let name = format_ident!("with_{}", f.rust);
    if f.is_vec() {
        let v = sample(f, family, Use::Owned);
        quote!(.#name(vec![#v]))
    } else {
        let v = sample(f, family, Use::Arg);
        quote!(.#name(#v))
    }
}

/// The builder expression of an action with the given optional params set.
fn build(a: &Action, set: &BTreeSet<String>) -> TokenStream {
    let ty = type_path(&a.family, &a.type_name);
    let args = a
        .params
        .iter()
        .filter(|f| f.required)
        .map(|f| sample(f, &a.family, Use::Arg));
    let setters = a
        .params
        .iter()
        .filter(|f| !f.required && set.contains(&f.rust))
        .map(|f| setter(f, &a.family));
    let groups = a.groups.iter().map(|g| {
        let name = format_ident!("with_{}", g.rust);
        let entry = group_entry(&a.family, g);
        quote!(.#name(vec![#entry]))
    });
    quote!(#ty::new(#(#args),*) #(#setters)* #(#groups)*)
}

/// One refusal case: a description, how to change a valid action, and the
/// expected error kind.
struct Case {
    what: String,
    /// Another starting point than the valid instance (a constraint keeps
    /// the field unset there).
    base: Option<TokenStream>,
    change: TokenStream,
    expect: &'static str,
}

fn refusal_cases(a: &Action, base: &BTreeSet<String>) -> Vec<Case> {
    let family = a.family.as_str();
    let mut cases = Vec::new();
    // A base in which `f` is set, when the constraints allow it: `Some(None)`
    // for the valid instance.
    let base_with = |f: &Field| -> Option<Option<TokenStream>> {
        if f.required || base.contains(&f.rust) {
            Some(None)
        } else {
            a.satisfying_params(Some(&f.rust))
                .map(|set| Some(build(a, &set)))
        }
    };
    for f in &a.params {
        let field = ident(&f.rust);
        let is_string = f.ty == Type::Scalar(Scalar::String);
        let is_var = f.ty == Type::Scalar(Scalar::Var);
        if is_string || is_var {
            if let Some(b) = base_with(f) {
                let value = if is_string {
                    quote!(ami_runtime::wire::AmiStr::from(INJECTED))
                } else {
                    quote!(Var::new("name", INJECTED))
                };
                let v = assigned(f, value);
                cases.push(Case {
                    what: format!("{} with a line break", f.wire),
                    base: b,
                    change: quote!(a.#field = #v;),
                    expect: "LineBreak",
                });
            }
        }
        if f.is_secret() {
            if let Some(b) = base_with(f) {
                let v = assigned(f, quote!(ami_runtime::wire::Secret::from(INJECTED)));
                cases.push(Case {
                    what: format!("{} (a secret) with a line break", f.wire),
                    base: b,
                    change: quote!(a.#field = #v;),
                    expect: "SecretLineBreak",
                });
            }
        }
        if is_string && f.required {
            cases.push(Case {
                what: format!("{} empty", f.wire),
                base: None,
                change: quote!(a.#field = ami_runtime::wire::AmiStr::new();),
                expect: "MissingRequired",
            });
        }
        if let Type::Enum(e) = &f.ty {
            if let Some(b) = base_with(f) {
                let ty = type_path(family, &e.type_name);
                let v = assigned(
                    f,
                    quote!(#ty::Unknown(ami_runtime::wire::AmiStr::from("bogus"))),
                );
                cases.push(Case {
                    what: format!("{} outside its values", f.wire),
                    base: b,
                    change: quote!(a.#field = #v;),
                    expect: "InvalidValue",
                });
            }
        }
    }
    for g in &a.groups {
        let group = ident(&g.rust);
        for f in &g.fields {
            let field = ident(&f.rust);
            let wire = g.index.first(&f.wire);
            match &f.ty {
                Type::Scalar(Scalar::String) => {
                    let v = assigned(f, quote!(ami_runtime::wire::AmiStr::from(INJECTED)));
                    cases.push(Case {
                        what: format!("{wire} with a line break"),
                        base: None,
                        change: quote!(a.#group[0].#field = #v;),
                        expect: "LineBreak",
                    });
                    if f.required {
                        cases.push(Case {
                            what: format!("{wire} empty"),
                            base: None,
                            change: quote!(a.#group[0].#field = ami_runtime::wire::AmiStr::new();),
                            expect: "MissingRequired",
                        });
                    }
                }
                Type::Scalar(Scalar::Var) => {
                    let v = assigned(f, quote!(Var::new("name", INJECTED)));
                    cases.push(Case {
                        what: format!("{wire} with a line break"),
                        base: None,
                        change: quote!(a.#group[0].#field = #v;),
                        expect: "LineBreak",
                    });
                }
                Type::Enum(e) => {
                    let ty = type_path(family, &e.type_name);
                    let v = assigned(
                        f,
                        quote!(#ty::Unknown(ami_runtime::wire::AmiStr::from("bogus"))),
                    );
                    cases.push(Case {
                        what: format!("{wire} outside its values"),
                        base: None,
                        change: quote!(a.#group[0].#field = #v;),
                        expect: "InvalidValue",
                    });
                }
                _ => {}
            }
        }
    }
    let field_of = |rust: &str| a.params.iter().find(|f| f.rust == rust);
    let set_field = |rust: &str| -> TokenStream {
        let Some(f) = field_of(rust) else {
            return TokenStream::new();
        };
        let field = ident(rust);
        let v = assigned(f, sample(f, family, Use::Owned));
        quote!(a.#field = #v;)
    };
    let unset_field = |rust: &str| -> TokenStream {
        let Some(f) = field_of(rust) else {
            return TokenStream::new();
        };
        let field = ident(rust);
        if f.is_vec() {
            quote!(a.#field = Vec::new();)
        } else {
            quote!(a.#field = None;)
        }
    };
    for c in &a.constraints {
        let rule = c.kind.describe(&c.params);
        let mut violations: Vec<(String, TokenStream)> = Vec::new();
        match c.kind {
            ConstraintKind::ExactlyOne => {
                let none: TokenStream = c.fields.iter().map(|f| unset_field(f)).collect();
                violations.push((format!("{rule}: none set"), none));
                let two: TokenStream = c.fields.iter().take(2).map(|f| set_field(f)).collect();
                violations.push((format!("{rule}: two set"), two));
            }
            ConstraintKind::AtMostOne => {
                let two: TokenStream = c.fields.iter().take(2).map(|f| set_field(f)).collect();
                violations.push((format!("{rule}: two set"), two));
            }
            ConstraintKind::Together => {
                let mut change = set_field(&c.fields[0]);
                change.extend(c.fields[1..].iter().map(|f| unset_field(f)));
                violations.push((format!("{rule}: only {} set", c.params[0]), change));
            }
            ConstraintKind::Requires => {
                let mut change = set_field(&c.fields[0]);
                change.extend(unset_field(&c.fields[1]));
                violations.push((format!("{rule}: {} missing", c.params[1]), change));
            }
        }
        for (what, change) in violations {
            cases.push(Case {
                what,
                base: None,
                change,
                expect: "Constraint",
            });
        }
    }
    cases
}

/// `ami-generated/tests/refusals.rs`.
pub fn refusals_rs(model: &Model) -> String {
    let mut tests = TokenStream::new();
    for a in model.actions() {
        let Some(base) = a.satisfying_params(None) else {
            continue;
        };
        let name = ident(&test_name(&a.rust));
        let valid = build(a, &base);
        let cases = refusal_cases(a, &base);
        let cfg = cfg(&BTreeSet::from([a.family.clone()]));
        let doc = format!(" {}", a.wire);
        let rows = cases.iter().map(|c| {
            let what = &c.what;
            let change = &c.change;
            let expect = ident(c.expect);
            let base = match &c.base {
                Some(base) => quote!(*a = #base;),
                None => TokenStream::new(),
            };
            quote! {
                (#what, Refusal::#expect, |a| {
                    #base
                    #change
                }),
            }
        });
        let ty = type_path(&a.family, &a.type_name);
        let plain_new =
            a.params.iter().all(|f| !f.required) && base.is_empty() && a.groups.is_empty();
        let valid = if plain_new {
            quote!(#ty::new)
        } else {
            quote!(|| #valid)
        };
        let body = quote! {
            refuses::<#ty>(#valid, &[
                #(#rows)*
            ]);
        };
        tests.extend(quote! {
            #[doc = #doc]
            #cfg
            #[test]
            fn #name() {
                #body
            }
        });
    }
    let used: BTreeSet<&str> = model.actions().map(|a| a.family.as_str()).collect();
    let imports = family_imports(model, &used);
    format_file(
        "spec/*.toml",
        quote! {
            //! What every action refuses to encode, table-driven: a valid instance
            //! (spec examples or type samples, constraints satisfied) encodes and
            //! decodes back to itself; then each string parameter with a CR/LF, each
            //! required string left empty, each enum outside its values and each
            //! constraint violation is refused, and the output buffer is left
            //! untouched. A secret is refused without being quoted.

            // The helpers are unused when no family is enabled.
            #![allow(dead_code, unused_imports)]

            use std::fmt::Debug;

            use ami_runtime::wire::{decode_action, encode_action, Action, EncodeErrorKind, Message, Var};
            #imports

            /// A value that would inject a header if it reached the wire.
            const INJECTED: &str = "a\r\nInjected: 1";

            #[derive(Clone, Copy, Debug)]
            enum Refusal {
                LineBreak,
                /// Refused without quoting the value.
                SecretLineBreak,
                MissingRequired,
                InvalidValue,
                Constraint,
            }

            fn encodes<A: Action + PartialEq + Debug>(action: &A) {
                let mut out = Vec::new();
                encode_action(action, Some("42"), &mut out).unwrap_or_else(|e| panic!("{e}"));
                let text = String::from_utf8(out).expect("the encoding is UTF-8");
                let prefix = format!("Action: {}\r\nActionID: 42\r\n", A::NAME);
                assert!(text.starts_with(&prefix), "{text}");
                let msg = Message::parse_block(&text).unwrap_or_else(|e| panic!("{e}"));
                let again: A = decode_action(&msg).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(&again, action);
            }

            /// One refusal: what is wrong, the refusal expected, and how to
            /// make a valid action wrong that way.
            type Case<A> = (&'static str, Refusal, fn(&mut A));

            /// `valid()` encodes (and decodes back); each case is refused.
            fn refuses<A: Action + PartialEq + Debug>(valid: impl Fn() -> A, cases: &[Case<A>]) {
                encodes(&valid());
                for (what, expected, change) in cases {
                    let mut action = valid();
                    change(&mut action);
                    refused(what, &action, *expected);
                }
            }

            fn refused<A: Action>(what: &str, action: &A, expected: Refusal) {
                let mut out = b"untouched".to_vec();
                let err = match encode_action(action, Some("42"), &mut out) {
                    Ok(()) => panic!("{what}: encoded, expected a {expected:?} refusal"),
                    Err(e) => e,
                };
                let ok = match expected {
                    Refusal::LineBreak => matches!(err.kind, EncodeErrorKind::LineBreak { .. }),
                    Refusal::SecretLineBreak => {
                        matches!(err.kind, EncodeErrorKind::InvalidValue { .. })
                            && !err.to_string().contains("Injected")
                            && !format!("{err:?}").contains("Injected")
                    }
                    Refusal::MissingRequired => {
                        matches!(err.kind, EncodeErrorKind::MissingRequired { .. })
                    }
                    Refusal::InvalidValue => matches!(err.kind, EncodeErrorKind::InvalidValue { .. }),
                    Refusal::Constraint => matches!(err.kind, EncodeErrorKind::Constraint { .. }),
                };
                assert!(ok, "{what}: expected {expected:?}, got: {err}");
                assert_eq!(out, b"untouched", "{what}: the buffer was touched");
            }

            #tests
        },
    )
}
