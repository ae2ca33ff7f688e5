//! The model of a derive input: each field or variant classified by what it
//! maps to on the wire, with the original `syn` nodes kept for spans. Building
//! the model checks each field on its own (attributes against the type);
//! checks across fields are in `check`.

use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, PathArguments, Type,
};

use super::attr::{ContainerAttrs, FieldAttrs, IndexStyle, VariantAttrs};
use super::ctxt::Ctxt;
use super::Derive;

/// A header name as written in an attribute.
pub struct WireName {
    /// The literal, for spans.
    pub lit: LitStr,
    /// Its value, spelled as Asterisk documents it.
    pub value: String,
}

impl WireName {
    /// Validate a header name (or prefix) literal. `allow_empty` is for prefixes.
    fn parse(cx: &Ctxt, lit: &LitStr, what: &str, allow_empty: bool) -> Option<WireName> {
        let value = lit.value();
        if value.is_empty() && !allow_empty {
            cx.error_spanned_by(lit, format!("the {what} may not be empty"));
            return None;
        }
        // Interior spaces occur in real names (`Named Callgroup`, the
        // `DataGet Tree` event); other whitespace, control characters, a
        // colon, or a space at either end cannot survive the wire.
        let edge_space = value.starts_with(' ') || value.ends_with(' ');
        if let Some(bad) = value
            .chars()
            .find(|c| *c == ':' || c.is_control() || (c.is_whitespace() && *c != ' '))
            .or(edge_space.then_some(' '))
        {
            cx.error_spanned_by(
                lit,
                format!("the {what} {value:?} contains {bad:?}, which a header name cannot hold"),
            );
            return None;
        }
        Some(WireName {
            lit: lit.clone(),
            value,
        })
    }

    /// The name as `accept` receives keys: ASCII lowercase.
    pub fn lower(&self) -> String {
        self.value.to_ascii_lowercase()
    }
}

/// What a struct field maps to on the wire.
pub enum FieldKind<'a> {
    /// One header: `T` (present when decoding) or `Option<T>`.
    Value {
        name: WireName,
        /// `#[ami(required)]`: encoding refuses a blank value.
        required: bool,
        /// The field is `Option<T>`.
        optional: bool,
        /// `T`.
        ty: &'a Type,
    },
    /// `#[ami(repeated)]`: one header per value of a `Vec<T>`.
    Repeated { name: WireName, ty: &'a Type },
    /// `#[ami(index = ...)]`: `Name-000000`... into a `Vec<T>`.
    Indexed {
        name: WireName,
        style: IndexStyle,
        ty: &'a Type,
    },
    /// `#[ami(flatten)]`: the fields of a group `G` (or `Option<G>`) under a prefix.
    Flatten {
        /// The prefix as written ("Transferer"), possibly empty.
        prefix: String,
        optional: bool,
        /// `G`.
        ty: &'a Type,
    },
    /// `#[ami(group, index = ...)]`: a `Vec<G>`, entry `i` under index `i`.
    IndexedGroup { style: IndexStyle, ty: &'a Type },
    /// `#[ami(extra)]`: the headers no field took.
    Extra,
}

/// A struct field and its wire mapping.
pub struct Field<'a> {
    pub ident: &'a Ident,
    /// The whole field type (`Option<u32>`, `Vec<Var>`...).
    pub ty: &'a Type,
    pub kind: FieldKind<'a>,
    /// The field's `#[doc]` attributes, copied onto its setter.
    pub docs: Vec<&'a Attribute>,
}

impl Field<'_> {
    /// Whether the field has no "empty" value and so is a parameter of `new()`.
    pub fn in_constructor(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Value {
                optional: false,
                ..
            } | FieldKind::Flatten {
                optional: false,
                ..
            }
        )
    }
}

/// What an enum variant maps to.
pub enum VariantKind<'a> {
    /// `#[ami(value = "Wire")]` unit variant of an `AmiEnum`.
    Value(WireName),
    /// `#[ami(name = "Event")] Variant(Payload)` of an `AmiEvents`; with
    /// `user_event = "Subtype"`, only the `UserEvent` of that subtype.
    Event {
        name: WireName,
        ty: &'a Type,
        user_event: Option<LitStr>,
    },
    /// `#[ami(unknown)] Unknown(T)`: what no other variant takes.
    Unknown,
    /// `#[ami(fallback)] Other(OtherEvents)`: another enum of events, for
    /// whatever no other variant takes.
    Fallback { ty: &'a Type },
}

/// An enum variant and its mapping.
pub struct Variant<'a> {
    pub ident: &'a Ident,
    pub kind: VariantKind<'a>,
    /// `#[cfg]` attributes, repeated on every generated arm of this variant.
    pub cfgs: Vec<&'a Attribute>,
}

/// The body of the input.
pub enum Body<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

/// The whole derive input.
pub struct Container<'a> {
    pub ident: &'a Ident,
    pub attrs: ContainerAttrs,
    pub body: Body<'a>,
}

/// `T` when `ty` is `Wrapper<T>` (`Option`, `Vec`), by the last path segment.
pub fn unwrap_type<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    match &last.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// Types that macro_rules! hands over are wrapped in invisible groups.
fn ungroup(mut ty: &Type) -> &Type {
    while let Type::Group(group) = ty {
        ty = &group.elem;
    }
    ty
}

fn is_struct_path(ty: &Type) -> bool {
    matches!(ungroup(ty), Type::Path(p) if p.qself.is_none())
        && unwrap_type(ty, "Option").is_none()
        && unwrap_type(ty, "Vec").is_none()
}

impl<'a> Container<'a> {
    /// Build the model of `input` for `derive`, recording every problem in
    /// `cx`. Returns `None` when the input is not the kind of item `derive`
    /// applies to.
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput, derive: Derive) -> Option<Container<'a>> {
        let attrs = ContainerAttrs::from_attrs(cx, &input.attrs, derive);
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                format!(
                    "#[derive({})] does not support generic parameters",
                    derive.name()
                ),
            );
        }
        let body = match (&input.data, derive.on_enum()) {
            (Data::Struct(data), false) => match &data.fields {
                Fields::Named(named) => Body::Struct(
                    named
                        .named
                        .iter()
                        .filter_map(|f| field_from_ast(cx, f))
                        .collect(),
                ),
                _ => {
                    cx.error_spanned_by(
                        input,
                        format!(
                            "#[derive({})] needs a struct with named fields",
                            derive.name()
                        ),
                    );
                    return None;
                }
            },
            (Data::Enum(data), true) => Body::Enum(
                data.variants
                    .iter()
                    .filter_map(|v| variant_from_ast(cx, v, derive))
                    .collect(),
            ),
            _ => {
                let expected = if derive.on_enum() {
                    "an enum"
                } else {
                    "a struct"
                };
                cx.error_spanned_by(
                    &input.ident,
                    format!("#[derive({})] applies to {expected} only", derive.name()),
                );
                return None;
            }
        };
        Some(Container {
            ident: &input.ident,
            attrs,
            body,
        })
    }
}

fn field_from_ast<'a>(cx: &Ctxt, field: &'a syn::Field) -> Option<Field<'a>> {
    let ident = field.ident.as_ref()?;
    let attrs = FieldAttrs::from_attrs(cx, &field.attrs);
    if attrs.broken {
        return None;
    }
    let ty = &field.ty;
    let docs = field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let kind = field_kind(cx, ident, ty, &attrs)?;
    Some(Field {
        ident,
        ty,
        kind,
        docs,
    })
}

/// Refuse each key in `keys` that is present: it makes no sense with `with`.
fn refuse(cx: &Ctxt, keys: &[(&str, Option<proc_macro2::Span>)], with: &str) -> bool {
    let mut ok = true;
    for (key, span) in keys {
        if let Some(span) = span {
            cx.error_at(*span, format!("`{key}` cannot be combined with `{with}`"));
            ok = false;
        }
    }
    ok
}

fn field_kind<'a>(
    cx: &Ctxt,
    ident: &Ident,
    ty: &'a Type,
    attrs: &FieldAttrs,
) -> Option<FieldKind<'a>> {
    let name_span = attrs.name.as_ref().map(|l| l.span());
    let prefix_span = attrs.prefix.as_ref().map(|l| l.span());
    let index_span = attrs.index.as_ref().map(|i| i.lit.span());
    if !attrs.present {
        cx.error_spanned_by(
            ident,
            format!(
                "field `{ident}` has no #[ami] attribute: give it #[ami(name = \"Header\")], \
                 #[ami(flatten)], #[ami(group, index = \"dash6\")] or #[ami(extra)]"
            ),
        );
        return None;
    }
    if let Some(extra) = attrs.extra {
        let ok = refuse(
            cx,
            &[
                ("name", name_span),
                ("required", attrs.required),
                ("repeated", attrs.repeated),
                ("index", index_span),
                ("flatten", attrs.flatten),
                ("prefix", prefix_span),
                ("group", attrs.group),
            ],
            "extra",
        );
        if unwrap_type(ty, "Vec").is_none() {
            cx.error_at(
                extra,
                "`extra` needs a field of type Vec<ami_runtime::wire::Header>",
            );
            return None;
        }
        return ok.then_some(FieldKind::Extra);
    }
    if attrs.flatten.is_some() {
        let ok = refuse(
            cx,
            &[
                ("name", name_span),
                ("required", attrs.required),
                ("repeated", attrs.repeated),
                ("index", index_span),
                ("group", attrs.group),
            ],
            "flatten",
        );
        let (optional, group) = match unwrap_type(ty, "Option") {
            Some(inner) => (true, inner),
            None => (false, ty),
        };
        if !is_struct_path(group) {
            cx.error_spanned_by(
                ty,
                "`flatten` needs a field group type `G` or `Option<G>`, where G derives \
                 AmiFields (for a Vec of groups use #[ami(group, index = \"dash6\")])",
            );
            return None;
        }
        let prefix = match &attrs.prefix {
            Some(lit) => WireName::parse(cx, lit, "prefix", true)?.value,
            None => String::new(),
        };
        return ok.then_some(FieldKind::Flatten {
            prefix,
            optional,
            ty: group,
        });
    }
    if let Some(prefix) = prefix_span {
        cx.error_at(prefix, "`prefix` is only valid with `flatten`");
        return None;
    }
    if let Some(group) = attrs.group {
        let ok = refuse(
            cx,
            &[
                ("name", name_span),
                ("required", attrs.required),
                ("repeated", attrs.repeated),
            ],
            "group",
        );
        let Some(index) = &attrs.index else {
            cx.error_at(
                group,
                "`group` needs an index style: #[ami(group, index = \"dash6\")] or \
                 #[ami(group, index = \"paren\")]",
            );
            return None;
        };
        let Some(elem) = unwrap_type(ty, "Vec").filter(|t| is_struct_path(t)) else {
            cx.error_spanned_by(
                ty,
                "an indexed `group` needs a field of type Vec<G>, where G derives AmiFields",
            );
            return None;
        };
        return ok.then_some(FieldKind::IndexedGroup {
            style: index.style,
            ty: elem,
        });
    }
    let Some(lit) = &attrs.name else {
        cx.error_spanned_by(
            ident,
            format!(
                "field `{ident}` needs a header name: #[ami(name = \"Header\")] (or \
                 `flatten`, `group` or `extra`)"
            ),
        );
        return None;
    };
    let name = WireName::parse(cx, lit, "header name", false)?;
    if let (Some(repeated), Some(index)) = (attrs.repeated, &attrs.index) {
        cx.error_at(repeated, "`repeated` cannot be combined with `index`");
        cx.error_spanned_by(&index.lit, "`index` cannot be combined with `repeated`");
        return None;
    }
    let vec = unwrap_type(ty, "Vec");
    if attrs.repeated.is_some() || attrs.index.is_some() {
        let key = if attrs.repeated.is_some() {
            "repeated"
        } else {
            "index"
        };
        if let Some(required) = attrs.required {
            cx.error_at(
                required,
                format!("`required` cannot be combined with `{key}`: a list may be empty"),
            );
            return None;
        }
        let Some(elem) = vec else {
            cx.error_spanned_by(
                ty,
                format!("`{key}` needs a field of type Vec<T>, one entry per header"),
            );
            return None;
        };
        return Some(match &attrs.index {
            Some(index) => FieldKind::Indexed {
                name,
                style: index.style,
                ty: elem,
            },
            None => FieldKind::Repeated { name, ty: elem },
        });
    }
    if vec.is_some() {
        cx.error_spanned_by(
            ty,
            "a Vec field holds several headers: mark it `repeated` (Name: a, Name: b) or \
             give it an `index` style (Name-000000, Name(0))",
        );
        return None;
    }
    let option = unwrap_type(ty, "Option");
    if let (Some(required), Some(_)) = (attrs.required, option) {
        cx.error_at(
            required,
            "`required` needs a plain field type T, not Option<T>: a required field is \
             always present",
        );
        return None;
    }
    Some(FieldKind::Value {
        name,
        required: attrs.required.is_some(),
        optional: option.is_some(),
        ty: option.unwrap_or(ty),
    })
}

fn variant_from_ast<'a>(
    cx: &Ctxt,
    variant: &'a syn::Variant,
    derive: Derive,
) -> Option<Variant<'a>> {
    let attrs = VariantAttrs::from_attrs(cx, &variant.attrs, derive);
    if attrs.broken {
        return None;
    }
    let ident = &variant.ident;
    let cfgs: Vec<&Attribute> = variant
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .collect();
    let single_field = match &variant.fields {
        Fields::Unnamed(f) if f.unnamed.len() == 1 => Some(&f.unnamed[0].ty),
        _ => None,
    };
    if let (Some(_), Some(lit)) = (&attrs.unknown, &attrs.user_event) {
        cx.error_spanned_by(
            lit,
            "the `unknown` variant takes any event: it has no subtype",
        );
        return None;
    }
    let kind = if attrs.fallback.is_some() {
        if let Some(lit) = attrs.name.as_ref().or(attrs.user_event.as_ref()) {
            cx.error_spanned_by(
                lit,
                "the `fallback` variant takes whatever its enum of events accepts: it has no name",
            );
            return None;
        }
        if attrs.unknown.is_some() {
            cx.error_spanned_by(ident, "a variant is `unknown` or `fallback`, not both");
            return None;
        }
        let Some(ty) = single_field else {
            cx.error_spanned_by(
                variant,
                format!(
                    "the `fallback` variant holds another enum of events: `{ident}(OtherEvents)`"
                ),
            );
            return None;
        };
        if let Some(cfg) = cfgs.first() {
            cx.error_spanned_by(
                cfg,
                "the `fallback` variant cannot be `#[cfg]`d: it takes what no other variant takes",
            );
            return None;
        }
        VariantKind::Fallback { ty }
    } else if attrs.unknown.is_some() {
        if let Some(lit) = attrs.name.as_ref().or(attrs.value.as_ref()) {
            cx.error_spanned_by(lit, "the `unknown` variant has no wire name");
            return None;
        }
        if single_field.is_none() {
            let payload = if derive == Derive::Events {
                "Message"
            } else {
                "String"
            };
            cx.error_spanned_by(
                variant,
                format!("the `unknown` variant holds the value as received: `{ident}({payload})`"),
            );
            return None;
        }
        VariantKind::Unknown
    } else if derive == Derive::Events {
        let Some(lit) = &attrs.name else {
            cx.error_spanned_by(
                ident,
                format!("variant `{ident}` needs #[ami(name = \"Event\")] or #[ami(unknown)]"),
            );
            return None;
        };
        let name = WireName::parse(cx, lit, "event name", false)?;
        let Some(ty) = single_field else {
            cx.error_spanned_by(
                variant,
                format!("variant `{ident}` must hold the event: `{ident}({ident}Event)`"),
            );
            return None;
        };
        let user_event = match &attrs.user_event {
            Some(lit) if !name.value.eq_ignore_ascii_case("UserEvent") => {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "`user_event` selects a subtype of `UserEvent` by its `UserEvent` header: \
                         it needs name = \"UserEvent\", not {:?}",
                        name.value
                    ),
                );
                return None;
            }
            Some(lit) if lit.value().is_empty() || lit.value().contains(['\r', '\n']) => {
                cx.error_spanned_by(
                    lit,
                    "a `UserEvent` subtype is non-empty and has no line break",
                );
                return None;
            }
            other => other.clone(),
        };
        VariantKind::Event {
            name,
            ty,
            user_event,
        }
    } else {
        let Some(lit) = &attrs.value else {
            cx.error_spanned_by(
                ident,
                format!("variant `{ident}` needs #[ami(value = \"Wire\")] or #[ami(unknown)]"),
            );
            return None;
        };
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                "a value variant carries no data: only the `unknown` variant holds a value",
            );
            return None;
        }
        let value = lit.value();
        if value.is_empty() || value.contains(['\r', '\n']) {
            cx.error_spanned_by(
                lit,
                "an enumeration value is non-empty and has no line break",
            );
            return None;
        }
        VariantKind::Value(WireName {
            lit: lit.clone(),
            value,
        })
    };
    Some(Variant { ident, kind, cfgs })
}

impl Container<'_> {
    /// The struct fields (empty for an enum).
    pub fn fields(&self) -> &[Field<'_>] {
        match &self.body {
            Body::Struct(fields) => fields,
            Body::Enum(_) => &[],
        }
    }

    /// The enum variants (empty for a struct).
    pub fn variants(&self) -> &[Variant<'_>] {
        match &self.body {
            Body::Enum(variants) => variants,
            Body::Struct(_) => &[],
        }
    }

    /// The span to blame for what is missing from the whole type.
    pub fn span(&self) -> proc_macro2::Span {
        self.ident.span()
    }
}
