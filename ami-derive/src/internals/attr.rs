//! Parsing of `#[ami(...)]` attributes into plain records that keep the
//! `syn` nodes (literals, identifiers, spans) for error reporting. Only the
//! syntax of each key is checked here; whether the keys make sense together
//! and with the field's type is decided in `ast` and `check`.

use proc_macro2::{Span, TokenTree};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{token, Attribute, Ident, LitStr, Token, Type};

use super::ctxt::Ctxt;
use super::Derive;

/// How the index of an indexed field or group is spelled on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexStyle {
    /// `Name-000000`.
    Dash6,
    /// `Name(0)`.
    Paren,
}

/// `index = "dash6" | "paren"`, with the literal for spans.
pub struct Index {
    pub style: IndexStyle,
    pub lit: LitStr,
}

/// The keys of `#[ami(...)]` on a struct field.
#[derive(Default)]
pub struct FieldAttrs {
    /// The field carries at least one `#[ami]` attribute.
    pub present: bool,
    /// An attribute did not parse; later checks skip this field so that one
    /// typo does not produce a string of follow-up errors.
    pub broken: bool,
    pub name: Option<LitStr>,
    pub required: Option<Span>,
    pub repeated: Option<Span>,
    pub index: Option<Index>,
    pub flatten: Option<Span>,
    pub prefix: Option<LitStr>,
    pub group: Option<Span>,
    pub extra: Option<Span>,
}

/// The response shape of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Single,
    List,
    Command,
    Raw,
    Goodbye,
}

/// The kind of a constraint between action parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintKind {
    ExactlyOne,
    AtMostOne,
    Together,
    Requires,
}

/// `exactly_one(a, b)` and its siblings.
pub struct ConstraintAttr {
    pub kind: ConstraintKind,
    /// The key (`exactly_one`), for spans.
    pub key: Ident,
    /// The Rust field names listed.
    pub fields: Vec<Ident>,
}

/// The keys of `#[ami(...)]` on a struct or enum.
#[derive(Default)]
pub struct ContainerAttrs {
    pub event: Option<LitStr>,
    /// `user_event = "CallQualityReport"`: a subtype of `UserEvent`.
    pub user_event: Option<LitStr>,
    pub action: Option<LitStr>,
    pub response: Option<Type>,
    pub shape: Option<(Shape, LitStr)>,
    pub complete: Option<LitStr>,
    pub constraints: Vec<ConstraintAttr>,
    /// `since = "18.19.0, 20.4.0"`: the first release of each branch.
    pub since: Option<LitStr>,
    /// `deprecated = "17.0.0"`.
    pub deprecated: Option<LitStr>,
    /// `removed = "21.0.0"`.
    pub removed: Option<LitStr>,
}

/// The versions of a `since`, `deprecated` or `removed` value: one or more
/// `MAJOR.MINOR.PATCH`, separated by commas; `Err` says what is wrong.
pub fn versions(lit: &LitStr) -> Result<Vec<[u32; 3]>, String> {
    let text = lit.value();
    let mut out = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let numbers: Vec<&str> = part.split('.').collect();
        let parsed: Option<Vec<u32>> = numbers
            .iter()
            .map(|n| {
                if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                    n.parse().ok()
                } else {
                    None
                }
            })
            .collect();
        match parsed {
            Some(v) if v.len() == 3 => out.push([v[0], v[1], v[2]]),
            _ => {
                return Err(format!(
                    "invalid version {part:?}: expected MAJOR.MINOR.PATCH (\"18.19.0\"), \
                     several separated by commas in `since`"
                ))
            }
        }
    }
    Ok(out)
}

/// The keys of `#[ami(...)]` on an enum variant.
#[derive(Default)]
pub struct VariantAttrs {
    pub present: bool,
    pub broken: bool,
    pub value: Option<LitStr>,
    pub name: Option<LitStr>,
    pub unknown: Option<Span>,
    /// `AmiEvents`: `user_event = "Subtype"` beside `name = "UserEvent"`.
    pub user_event: Option<LitStr>,
    /// `AmiEvents`: `fallback`, the variant holding another enum of events.
    pub fallback: Option<Span>,
}

fn key_of(meta: &ParseNestedMeta) -> String {
    meta.path.to_token_stream().to_string().replace(' ', "")
}

/// Consume whatever value follows an unknown or misplaced key, so that the
/// keys after it are still parsed and checked.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
            meta.input.parse::<TokenTree>()?;
        }
    } else if meta.input.peek(token::Paren) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

fn flag(cx: &Ctxt, meta: &ParseNestedMeta, key: &str) -> syn::Result<Span> {
    if meta.input.peek(Token![=]) || meta.input.peek(token::Paren) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` is a flag and takes no value: write `#[ami({key})]`"),
        );
        skip_value(meta)?;
    }
    Ok(meta.path.span())
}

fn string(meta: &ParseNestedMeta, key: &str) -> syn::Result<LitStr> {
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(format!("`{key}` takes a string: `{key} = \"...\"`")));
    }
    meta.value()?.parse::<LitStr>()
}

fn set<T>(cx: &Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta, key: &str) {
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, format!("duplicate `{key}`"));
    } else {
        *slot = Some(value);
    }
}

/// Run `each` on every key of every `#[ami(...)]` attribute in `attrs`.
/// `each` returns `false` for a key it does not know; that key is reported
/// with the list `expected` and skipped. Returns `(present, broken)`.
fn for_each_key(
    cx: &Ctxt,
    attrs: &[Attribute],
    what: &str,
    expected: &str,
    mut each: impl FnMut(&str, &ParseNestedMeta) -> syn::Result<bool>,
) -> (bool, bool) {
    let mut present = false;
    let mut broken = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("ami")) {
        present = true;
        let before = cx.error_count();
        let result = attr.parse_nested_meta(|meta| {
            let key = key_of(&meta);
            if !each(&key, &meta)? {
                cx.error_spanned_by(
                    &meta.path,
                    format!("unknown #[ami] key `{key}` on {what}; expected {expected}"),
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
        broken |= cx.error_count() > before;
    }
    (present, broken)
}

impl FieldAttrs {
    /// Parse the `#[ami]` attributes of a struct field.
    pub fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = FieldAttrs::default();
        let (present, broken) = for_each_key(
            cx,
            attrs,
            "a field",
            "one of `name`, `required`, `repeated`, `index`, `flatten`, `prefix`, `group`, `extra`",
            |key, meta| {
                match key {
                    "name" => set(cx, &mut out.name, string(meta, key)?, meta, key),
                    "prefix" => set(cx, &mut out.prefix, string(meta, key)?, meta, key),
                    "required" => set(cx, &mut out.required, flag(cx, meta, key)?, meta, key),
                    "repeated" => set(cx, &mut out.repeated, flag(cx, meta, key)?, meta, key),
                    "flatten" => set(cx, &mut out.flatten, flag(cx, meta, key)?, meta, key),
                    "group" => set(cx, &mut out.group, flag(cx, meta, key)?, meta, key),
                    "extra" => set(cx, &mut out.extra, flag(cx, meta, key)?, meta, key),
                    "index" => {
                        let lit = string(meta, key)?;
                        let style = match lit.value().as_str() {
                            "dash6" => IndexStyle::Dash6,
                            "paren" => IndexStyle::Paren,
                            other => {
                                cx.error_spanned_by(
                                    &lit,
                                    format!(
                                        "unknown index style {other:?}: expected \"dash6\" \
                                         (Name-000000) or \"paren\" (Name(0))"
                                    ),
                                );
                                return Ok(true);
                            }
                        };
                        set(cx, &mut out.index, Index { style, lit }, meta, key);
                    }
                    _ => return Ok(false),
                }
                Ok(true)
            },
        );
        out.present = present;
        out.broken = broken;
        out
    }
}

impl ContainerAttrs {
    /// Parse the `#[ami]` attributes of a struct or enum, refusing the keys
    /// that `derive` does not use.
    pub fn from_attrs(cx: &Ctxt, attrs: &[Attribute], derive: Derive) -> Self {
        let mut out = ContainerAttrs::default();
        let expected = match derive {
            Derive::Event => "`event = \"Name\"` or `user_event = \"Subtype\"`",
            Derive::Action => {
                "one of `action`, `response`, `shape`, `complete`, `exactly_one`, \
                 `at_most_one`, `together`, `requires`, `since`, `deprecated`, `removed`"
            }
            _ => "none: this derive takes no attribute on the type itself",
        };
        for_each_key(cx, attrs, "the type", expected, |key, meta| {
            let owner = match key {
                "event" | "user_event" => Derive::Event,
                "action" | "response" | "shape" | "complete" | "exactly_one" | "at_most_one"
                | "together" | "requires" | "since" | "deprecated" | "removed" => Derive::Action,
                _ => return Ok(false),
            };
            if owner != derive {
                cx.error_spanned_by(
                    &meta.path,
                    format!(
                        "`{key}` is only valid with #[derive({})], not #[derive({})]",
                        owner.name(),
                        derive.name()
                    ),
                );
                skip_value(meta)?;
                return Ok(true);
            }
            match key {
                "event" => set(cx, &mut out.event, string(meta, key)?, meta, key),
                "user_event" => set(cx, &mut out.user_event, string(meta, key)?, meta, key),
                "action" => set(cx, &mut out.action, string(meta, key)?, meta, key),
                "complete" => set(cx, &mut out.complete, string(meta, key)?, meta, key),
                "since" => set(cx, &mut out.since, string(meta, key)?, meta, key),
                "deprecated" => set(cx, &mut out.deprecated, string(meta, key)?, meta, key),
                "removed" => set(cx, &mut out.removed, string(meta, key)?, meta, key),
                "response" => {
                    let input = meta.value()?;
                    // A type, or for symmetry with the other keys a string holding one.
                    let ty = if input.peek(LitStr) {
                        input.parse::<LitStr>()?.parse::<Type>()?
                    } else {
                        input.parse::<Type>()?
                    };
                    set(cx, &mut out.response, ty, meta, key);
                }
                "shape" => {
                    let lit = string(meta, key)?;
                    let shape = match lit.value().as_str() {
                        "single" => Shape::Single,
                        "list" => Shape::List,
                        "command" => Shape::Command,
                        "raw" => Shape::Raw,
                        "goodbye" => Shape::Goodbye,
                        other => {
                            cx.error_spanned_by(
                                &lit,
                                format!(
                                    "unknown response shape {other:?}: expected one of \
                                     \"single\", \"list\", \"command\", \"raw\", \"goodbye\""
                                ),
                            );
                            return Ok(true);
                        }
                    };
                    set(cx, &mut out.shape, (shape, lit), meta, key);
                }
                _ => {
                    let kind = match key {
                        "exactly_one" => ConstraintKind::ExactlyOne,
                        "at_most_one" => ConstraintKind::AtMostOne,
                        "together" => ConstraintKind::Together,
                        _ => ConstraintKind::Requires,
                    };
                    if !meta.input.peek(token::Paren) {
                        return Err(
                            meta.error(format!("`{key}` lists fields: `{key}(field_a, field_b)`"))
                        );
                    }
                    let mut fields = Vec::new();
                    meta.parse_nested_meta(|inner| match inner.path.get_ident() {
                        Some(ident) if inner.input.is_empty() || inner.input.peek(Token![,]) => {
                            fields.push(ident.clone());
                            Ok(())
                        }
                        _ => Err(inner.error(format!(
                            "`{key}` lists Rust field names: `{key}(field_a, field_b)`"
                        ))),
                    })?;
                    let key = meta
                        .path
                        .get_ident()
                        .cloned()
                        .unwrap_or_else(|| Ident::new("constraint", meta.path.span()));
                    out.constraints.push(ConstraintAttr { kind, key, fields });
                }
            }
            Ok(true)
        });
        out
    }
}

impl VariantAttrs {
    /// Parse the `#[ami]` attributes of an enum variant for `derive`
    /// (`AmiEnum` takes `value`, `AmiEvents` takes `name`; both take `unknown`).
    pub fn from_attrs(cx: &Ctxt, attrs: &[Attribute], derive: Derive) -> Self {
        let mut out = VariantAttrs::default();
        let (own, other) = match derive {
            Derive::Events => ("name", "value"),
            _ => ("value", "name"),
        };
        let expected = match derive {
            Derive::Events => {
                "`name = \"...\"` (with `user_event = \"...\"` for a UserEvent subtype), \
                 `unknown` or `fallback`"
                    .to_owned()
            }
            _ => format!("`{own} = \"...\"` or `unknown`"),
        };
        let (present, broken) = for_each_key(cx, attrs, "a variant", &expected, |key, meta| {
            match key {
                "unknown" => set(cx, &mut out.unknown, flag(cx, meta, key)?, meta, key),
                "user_event" | "fallback" if derive != Derive::Events => {
                    cx.error_spanned_by(
                        &meta.path,
                        format!("`{key}` is only valid on #[derive(AmiEvents)] variants"),
                    );
                    skip_value(meta)?;
                }
                "user_event" => set(cx, &mut out.user_event, string(meta, key)?, meta, key),
                "fallback" => set(cx, &mut out.fallback, flag(cx, meta, key)?, meta, key),
                _ if key == own => {
                    let slot = if own == "name" {
                        &mut out.name
                    } else {
                        &mut out.value
                    };
                    set(cx, slot, string(meta, key)?, meta, key);
                }
                _ if key == other => {
                    cx.error_spanned_by(
                        &meta.path,
                        format!(
                            "#[derive({})] variants take `{own} = \"...\"`, not `{other}`",
                            derive.name()
                        ),
                    );
                    skip_value(meta)?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        });
        out.present = present;
        out.broken = broken;
        out
    }
}
