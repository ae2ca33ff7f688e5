//! The Rust of `ami-generated`: thin structs and enums with docs and derive
//! attributes. The behaviour is in `ami-derive` and `ami-runtime`.
//!
//! Code is built with `quote` and formatted in-process by `prettyplease`, so
//! the output is byte-stable whatever rustfmt is installed.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, ToTokens};

use super::{header, markdown_lines, parts, wire_lines};
use crate::model::*;

/// A doc attribute per line (prettyplease prints them as `///`).
pub(crate) fn doc_lines<S: AsRef<str>>(lines: &[S]) -> TokenStream {
    let attrs = lines.iter().map(|l| {
        let l = l.as_ref();
        let text = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #text])
    });
    quote!(#(#attrs)*)
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Generated Rust that does not parse (an emitter bug, or a spec name
/// the model let through): nothing is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeError {
    /// The spec file(s) the code was generated from (`spec/queue.toml`).
    pub source: String,
    /// 1-based line in the unformatted code (`TokenStream::to_string`);
    /// 0 when the error is no parse error (a layout `parts::check` refuses).
    pub line: usize,
    /// 1-based column (in characters) in that line.
    pub column: usize,
    /// syn's message.
    pub message: String,
    /// The unformatted code around the position.
    pub near: String,
}

impl std::fmt::Display for CodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            // Not a parse error: a layout the emitter cannot write
            // (`parts::check`).
            return write!(
                f,
                "the Rust generated from {}: {}",
                self.source, self.message
            );
        }
        write!(
            f,
            "the Rust generated from {} does not parse: {}:{}: {} (near `{}`)",
            self.source, self.line, self.column, self.message, self.near
        )
    }
}

impl std::error::Error for CodeError {}

/// Format a file: prettyplease, then the `@generated` header. Code that
/// does not parse is an error naming the spec file and the position: never
/// written unformatted.
pub(crate) fn format_file(source: &str, tokens: TokenStream) -> Result<String, CodeError> {
    // Parsed from text so that the error's span has a line and column in it.
    let text = tokens.to_string();
    let mut file: syn::File = syn::parse_str(&text).map_err(|e| {
        let start = e.span().start();
        let line = text.lines().nth(start.line.saturating_sub(1)).unwrap_or("");
        let chars: Vec<char> = line.chars().collect();
        let from = start.column.saturating_sub(30);
        let to = (start.column + 30).min(chars.len());
        CodeError {
            source: source.to_owned(),
            line: start.line,
            column: start.column + 1,
            message: e.to_string(),
            near: chars
                .get(from..to)
                .map(|c| c.iter().collect())
                .unwrap_or_default(),
        }
    })?;
    // The layout is prettyplease's, byte-stable; `cargo fmt` leaves it alone
    // (rustfmt would differ, and `regen --check` would call that stale).
    file.attrs
        .push(syn::parse_quote!(#![cfg_attr(rustfmt, rustfmt::skip)]));
    let code = space_items(&prettyplease::unparse(&file));
    Ok(format!("{}\n{code}", header("//", source)))
}

/// prettyplease puts no blank line between items; add one after each
/// top-level item and after the module docs, for readable output.
fn space_items(code: &str) -> String {
    space_items_at(code, "")
}

/// [`space_items`] for the items indented by `indent` (those of an inline
/// module), leaving every other line as it is.
fn space_items_at(code: &str, indent: &str) -> String {
    const STARTS: &[&str] = &[
        "///", "#[", "pub ", "fn ", "use ", "const ", "static ", "impl", "enum ", "struct ", "mod ",
    ];
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    let mut prev: Option<&str> = None;
    for full in code.lines() {
        let at_level = full
            .strip_prefix(indent)
            .filter(|rest| !rest.starts_with(' '));
        let Some(line) = at_level else {
            out.push_str(full);
            out.push('\n');
            prev = None;
            continue;
        };
        if let Some(p) = prev {
            let ends_item = p == "}"
                || p == "};"
                || (p.ends_with(';')
                    && !p.starts_with("//")
                    && STARTS.iter().any(|s| p.starts_with(s)));
            let ends_docs = (p.starts_with("//!") && !line.starts_with("//!"))
                || (p.starts_with("#![") && !line.starts_with("#!["));
            let starts_item = STARTS.iter().any(|s| line.starts_with(s));
            let use_run = p.starts_with("use ") && line.starts_with("use ");
            if (ends_docs || (ends_item && starts_item && !use_run)) && !line.is_empty() {
                out.push('\n');
            }
        }
        out.push_str(full);
        out.push('\n');
        prev = Some(line);
    }
    out
}

/// Imports a module needs, collected while generating it.
#[derive(Default)]
struct Imports {
    derive: BTreeSet<&'static str>,
    wire: BTreeSet<&'static str>,
    /// Shared groups by the family that defines them (`common` in the
    /// workspace).
    groups: BTreeMap<String, BTreeSet<String>>,
}

impl Imports {
    fn tokens(&self, model: &Model, here: &str) -> TokenStream {
        let mut out = TokenStream::new();
        if !self.derive.is_empty() {
            let names = self.derive.iter().map(|n| ident(n));
            out.extend(quote!(use ami_runtime::derive::{#(#names),*};));
        }
        if !self.wire.is_empty() {
            let names = self.wire.iter().map(|n| ident(n));
            out.extend(quote!(use ami_runtime::wire::{#(#names),*};));
        }
        for (family, names) in &self.groups {
            if family == here {
                continue;
            }
            // Shared groups are `common`'s, in the base crate every part
            // depends on: always reachable.
            let Some(module) = module_path(model, family, here, Scope::Family) else {
                continue;
            };
            let names = names.iter().map(|n| ident(n));
            out.extend(quote!(use #module::{#(#names),*};));
        }
        out
    }
}

/// Where emitted code that names a type stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// In the module of a family.
    Family,
    /// At the top of a user spec's file, beside its family modules.
    Top,
}

/// The module of `family` as code in the module of family `here` at
/// `scope` names it: `crate::queue` in the part crate of `queue` (see
/// [`super::parts`]), `ami_generated_common::common` for the shared
/// groups; in a user's crate, `super::billing` (or `self::billing` at the
/// top) for a family of the user spec and `::ami_generated::queue` for one
/// of the base spec. `None` for a family of another part, which a part
/// cannot name (parts do not depend on each other).
///
/// The text parses as a path whenever the model resolved: family names are
/// checked to be lowercase, non-keyword module names (`model::resolve`),
/// and the roots are fixed. A failure is a bug of the emitter, not of a
/// spec, and says so rather than emitting a wrong path.
fn module_path(model: &Model, family: &str, here: &str, scope: Scope) -> Option<TokenStream> {
    module_text(model, family, here, scope).map(|text| match syn::parse_str::<syn::Path>(&text) {
        Ok(path) => path.into_token_stream(),
        Err(error) => panic!("emitter bug: module path `{text}` of family `{family}`: {error}"),
    })
}

/// [`module_path`] as text (for doc links).
fn module_text(model: &Model, family: &str, here: &str, scope: Scope) -> Option<String> {
    Some(if !model.is_user() {
        let part = parts::of(family);
        if part == parts::BASE {
            format!("{}::{family}", parts::crate_ident(part))
        } else if part == parts::of(here) {
            format!("crate::{family}")
        } else {
            return None;
        }
    } else if !model.is_local(family) {
        format!("::ami_generated::{family}")
    } else if scope == Scope::Top {
        format!("self::{family}")
    } else {
        format!("super::{family}")
    })
}

/// The generator of one module (a family).
struct ModuleGen<'m> {
    model: &'m Model,
    family: &'m Family,
    imports: Imports,
}

impl<'m> ModuleGen<'m> {
    /// A type of the generated crate (or of the base spec's), seen from
    /// this module.
    fn path(&self, r: &TypeRef) -> TokenStream {
        let name = ident(&r.type_name);
        if r.family == self.family.name {
            quote!(#name)
        } else {
            // `parts::check` refuses a layout that splits a family from
            // the types its code names.
            let module = module_path(self.model, &r.family, &self.family.name, Scope::Family)
                .unwrap_or_else(|| quote!(crate));
            quote!(#module::#name)
        }
    }

    fn value_type(&mut self, ty: &Type) -> TokenStream {
        match ty {
            Type::Scalar(Scalar::String) => {
                self.imports.wire.insert("AmiStr");
                quote!(AmiStr)
            }
            Type::Scalar(Scalar::Int) => quote!(i64),
            Type::Scalar(Scalar::Uint) => quote!(u64),
            Type::Scalar(Scalar::Float) => quote!(f64),
            Type::Scalar(Scalar::Bool) => quote!(bool),
            Type::Scalar(Scalar::Var) => {
                self.imports.wire.insert("Var");
                quote!(Var)
            }
            Type::Scalar(Scalar::Secret) => {
                self.imports.wire.insert("Secret");
                quote!(Secret)
            }
            Type::Enum(e) => {
                let name = ident(&e.type_name);
                quote!(#name)
            }
        }
    }

    fn field_type(&mut self, f: &Field) -> TokenStream {
        let t = self.value_type(&f.ty);
        if f.is_vec() {
            quote!(Vec<#t>)
        } else if f.required {
            t
        } else {
            quote!(Option<#t>)
        }
    }

    /// One header field with its `#[ami(...)]` attribute and docs.
    fn field(&mut self, f: &Field) -> TokenStream {
        let docs = doc_lines(&field_doc(f));
        let name = &f.wire;
        let attr = match f.multi {
            Multi::Single if f.required => quote!(#[ami(name = #name, required)]),
            Multi::Single => quote!(#[ami(name = #name)]),
            Multi::Repeated => quote!(#[ami(name = #name, repeated)]),
            Multi::Indexed(style) => {
                let style = style.spec_name();
                quote!(#[ami(name = #name, index = #style)])
            }
        };
        let field = ident(&f.rust);
        let ty = self.field_type(f);
        quote! {
            #docs
            #attr
            pub #field: #ty,
        }
    }

    fn extra_field(&mut self, doc: &str) -> TokenStream {
        self.imports.wire.insert("Header");
        let docs = doc_lines(&[doc]);
        quote! {
            #docs
            #[ami(extra)]
            pub extra: Vec<Header>,
        }
    }

    /// The enums of some fields, in field order.
    fn enums(&mut self, fields: &[Field], owner_link: &str) -> TokenStream {
        let mut out = TokenStream::new();
        for f in fields {
            if let Type::Enum(e) = &f.ty {
                out.extend(self.enum_def(e, f, owner_link));
            }
        }
        out
    }

    fn enum_def(&mut self, e: &EnumDef, f: &Field, owner_link: &str) -> TokenStream {
        self.imports.derive.insert("AmiEnum");
        let mut doc = vec![format!("Values of `{}` in {owner_link}.", f.wire)];
        let field_doc = markdown_lines(&f.doc);
        if !field_doc.is_empty() {
            doc.push(String::new());
            doc.extend(field_doc);
        }
        let docs = doc_lines(&doc);
        let name = ident(&e.type_name);
        let variants = e.values.iter().map(|v| {
            let mut lines = markdown_lines(&v.doc);
            if lines.is_empty() {
                lines.push(format!("`{}`.", v.wire));
            }
            let notes = super::markdown::item_notes(&v.versions, &v.deviations);
            if !notes.is_empty() {
                lines.push(String::new());
                lines.push(notes.join(" "));
            }
            let docs = doc_lines(&lines);
            let wire = &v.wire;
            let variant = ident(&v.rust);
            quote! {
                #docs
                #[ami(value = #wire)]
                #variant,
            }
        });
        self.imports.wire.insert("AmiStr");
        quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, Eq, Hash, AmiEnum)]
            #[non_exhaustive]
            pub enum #name {
                #(#variants)*
                /// A value this spec does not list: kept when decoding, refused when encoding.
                #[ami(unknown)]
                Unknown(AmiStr),
            }
        }
    }

    /// An indexed group struct (`AmiFields`) and its enums.
    fn group_struct(&mut self, g: &Group, owner_link: &str) -> TokenStream {
        self.imports.derive.insert("AmiFields");
        let mut doc = vec![format!(
            "One entry of `{}` in {owner_link}: its headers carry the entry's index ({}).",
            g.name,
            index_example(g)
        )];
        let more = markdown_lines(&g.doc);
        if !more.is_empty() {
            doc.push(String::new());
            doc.extend(more);
        }
        let docs = doc_lines(&doc);
        let name = ident(&g.type_name);
        let fields: Vec<TokenStream> = g.fields.iter().map(|f| self.field(f)).collect();
        let link = format!("[`{}`]", g.type_name);
        let enums = self.enums(&g.fields, &link);
        quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, AmiFields)]
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
            }
            #enums
        }
    }

    fn group_field(&mut self, g: &Group) -> TokenStream {
        let mut lines = markdown_lines(&g.doc);
        if lines.is_empty() {
            lines.push(format!("The `{}` entries.", g.name));
        }
        lines.push(String::new());
        lines.push(format!(
            "Entries are numbered from 0: {}.",
            index_example(g)
        ));
        let docs = doc_lines(&lines);
        let style = g.index.spec_name();
        let field = ident(&g.rust);
        let ty = ident(&g.type_name);
        quote! {
            #docs
            #[ami(group, index = #style)]
            pub #field: Vec<#ty>,
        }
    }

    fn response_type(&mut self, a: &Action) -> TokenStream {
        match &a.response.kind {
            ResponseKind::Single { .. } if a.has_response_struct() => {
                let name = format_ident!("{}Response", a.rust);
                quote!(#name)
            }
            ResponseKind::Single { .. } => {
                self.imports.wire.insert("Ack");
                quote!(Ack)
            }
            ResponseKind::List { items, complete } => {
                self.imports.wire.insert("EventList");
                let item = match a.item_enum() {
                    Some(name) => {
                        let name = ident(&name);
                        quote!(#name)
                    }
                    None => self.path(&items[0]),
                };
                let complete = self.path(complete);
                quote!(EventList<#item, #complete>)
            }
            ResponseKind::Command => {
                self.imports.wire.insert("CommandOutput");
                quote!(CommandOutput)
            }
            ResponseKind::Raw => {
                self.imports.wire.insert("RawText");
                quote!(RawText)
            }
            ResponseKind::Goodbye => {
                self.imports.wire.insert("Goodbye");
                quote!(Goodbye)
            }
        }
    }

    fn action(&mut self, a: &Action) -> TokenStream {
        self.imports.derive.insert("AmiAction");
        let docs = doc_lines(&action_doc(self.model, self.family, a));
        let name = ident(&a.type_name);
        let wire = &a.wire;
        let response = self.response_type(a);
        let shape = a.response.kind.spec_name();
        let mut type_attr = quote!(action = #wire, response = #response, shape = #shape);
        if let ResponseKind::List { complete, .. } = &a.response.kind {
            let c = &complete.wire;
            type_attr.extend(quote!(, complete = #c));
        }
        let v = &a.versions;
        if !v.since.is_empty() {
            let since: Vec<String> = v.since.iter().map(Version::to_string).collect();
            let since = since.join(", ");
            type_attr.extend(quote!(, since = #since));
        }
        if let Some(d) = v.deprecated {
            let d = d.to_string();
            type_attr.extend(quote!(, deprecated = #d));
        }
        if let Some(r) = v.removed {
            let r = r.to_string();
            type_attr.extend(quote!(, removed = #r));
        }
        let rules: Vec<TokenStream> = a
            .constraints
            .iter()
            .map(|c| {
                let kind = ident(c.kind.spec_name());
                let fields = c.fields.iter().map(|f| ident(f));
                quote!(#kind(#(#fields),*))
            })
            .collect();
        // Clippy takes a field named by two rules for a duplicated attribute.
        let mut named = BTreeSet::new();
        let repeats = a
            .constraints
            .iter()
            .flat_map(|c| &c.fields)
            .any(|f| !named.insert(f));
        let constraints = match (rules.is_empty(), repeats) {
            (true, _) => TokenStream::new(),
            (false, false) => quote!(#[ami(#(#rules),*)]),
            (false, true) => quote! {
                #[ami(#(#rules),*)]
                #[allow(clippy::duplicated_attributes)]
            },
        };
        let fields: Vec<TokenStream> = a.params.iter().map(|f| self.field(f)).collect();
        let groups: Vec<TokenStream> = a.groups.iter().map(|g| self.group_field(g)).collect();
        let extra = self.extra_field(if a.free.is_empty() {
            "Headers sent after the parameters, as given (none is needed)."
        } else {
            "Headers sent after the parameters, as given: the free headers of this action (see above)."
        });
        let link = format!("[`{}`]", a.type_name);
        let enums = self.enums(&a.params, &link);
        let group_structs: Vec<TokenStream> = a
            .groups
            .iter()
            .map(|g| self.group_struct(g, &link))
            .collect();
        let response_items = self.response_items(a);
        quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, AmiAction)]
            #[ami(#type_attr)]
            #constraints
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
                #(#groups)*
                #extra
            }
            #enums
            #(#group_structs)*
            #response_items
        }
    }

    /// The response struct (with its enums and groups) or the list item enum.
    fn response_items(&mut self, a: &Action) -> TokenStream {
        let action_link = format!("[`{}`]", a.type_name);
        match &a.response.kind {
            ResponseKind::Single { fields, groups, .. } if a.has_response_struct() => {
                self.imports.derive.insert("AmiResponse");
                let type_name = format!("{}Response", a.rust);
                let mut doc = vec![format!(
                    "The reply to {action_link}: `Response: Success` with the fields below."
                )];
                let more = markdown_lines(&a.response.doc);
                if !more.is_empty() {
                    doc.push(String::new());
                    doc.extend(more);
                }
                let docs = doc_lines(&doc);
                let name = ident(&type_name);
                let fs: Vec<TokenStream> = fields.iter().map(|f| self.field(f)).collect();
                let gs: Vec<TokenStream> = groups.iter().map(|g| self.group_field(g)).collect();
                let extra = self.extra_field("Headers the spec does not list, kept as received.");
                let link = format!("[`{type_name}`]");
                let enums = self.enums(fields, &link);
                let group_structs: Vec<TokenStream> =
                    groups.iter().map(|g| self.group_struct(g, &link)).collect();
                self.imports.wire.insert("AmiStr");
                quote! {
                    #docs
                    #[derive(Clone, Debug, PartialEq, AmiResponse)]
                    #[non_exhaustive]
                    pub struct #name {
                        /// Asterisk's human-readable message, when it sends one.
                        #[ami(name = "Message")]
                        pub message: Option<AmiStr>,
                        #(#fs)*
                        #(#gs)*
                        #extra
                    }
                    #enums
                    #(#group_structs)*
                }
            }
            ResponseKind::List { items, .. } if items.len() > 1 => {
                self.imports.derive.insert("AmiEvents");
                let type_name = a.item_enum().unwrap_or_default();
                let docs = doc_lines(&[format!(
                    "One item event of the {action_link} list: {}.",
                    items
                        .iter()
                        .map(|i| format!("`{}`", i.wire))
                        .collect::<Vec<_>>()
                        .join(", ")
                )]);
                let name = ident(&type_name);
                let variants: Vec<TokenStream> = items
                    .iter()
                    .map(|i| {
                        let event = self.model.event_of(i);
                        let synopsis = event.map_or(String::new(), |e| e.synopsis.clone());
                        let docs = doc_lines(&markdown_lines(&synopsis));
                        let attr = events_variant_attr(i);
                        let variant = ident(&i.rust);
                        let ty = event_payload(self.path(i));
                        quote! {
                            #docs
                            #attr
                            #variant(#ty),
                        }
                    })
                    .collect();
                quote! {
                    #docs
                    #[derive(Clone, Debug, PartialEq, AmiEvents)]
                    #[non_exhaustive]
                    pub enum #name {
                        #(#variants)*
                    }
                }
            }
            _ => TokenStream::new(),
        }
    }

    fn event(&mut self, e: &Event) -> TokenStream {
        self.imports.derive.insert("AmiEvent");
        let docs = doc_lines(&event_doc(self.model, self.family, e));
        let name = ident(&e.type_name);
        let wire = &e.wire;
        let uses: Vec<TokenStream> = e
            .uses
            .iter()
            .map(|u| {
                self.imports
                    .groups
                    .entry(u.group.family.clone())
                    .or_default()
                    .insert(u.group.type_name.clone());
                let mut lines = vec![if u.prefix.is_empty() {
                    format!("The [`{}`] fields, bare.", u.group.type_name)
                } else {
                    format!(
                        "The [`{}`] fields under the prefix `{}` (`{}{}`...).",
                        u.group.type_name,
                        u.prefix,
                        u.prefix,
                        u.fields.first().map_or("", |f| f.wire.as_str())
                    )
                }];
                if u.optional {
                    lines.push(String::new());
                    lines.push("`None` when none of its headers came.".to_owned());
                }
                let docs = doc_lines(&lines);
                let attr = if u.prefix.is_empty() {
                    quote!(#[ami(flatten)])
                } else {
                    let p = &u.prefix;
                    quote!(#[ami(flatten, prefix = #p)])
                };
                let field = ident(&u.rust);
                let group = ident(&u.group.type_name);
                let ty = if u.optional {
                    quote!(Option<#group>)
                } else {
                    quote!(#group)
                };
                quote! {
                    #docs
                    #attr
                    pub #field: #ty,
                }
            })
            .collect();
        let fields: Vec<TokenStream> = e.fields.iter().map(|f| self.field(f)).collect();
        let extra = self.extra_field(if e.fields.is_empty() && e.uses.is_empty() {
            "Every header of the event, as received."
        } else {
            "Headers the spec does not list, kept as received."
        });
        let link = format!("[`{}`]", e.type_name);
        let enums = self.enums(&e.fields, &link);
        let type_attr = match &e.user_event {
            Some(subtype) => quote!(#[ami(event = #wire, user_event = #subtype)]),
            None => quote!(#[ami(event = #wire)]),
        };
        self.imports.wire.insert("AmiStr");
        quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, AmiEvent)]
            #type_attr
            #[non_exhaustive]
            pub struct #name {
                /// The privilege classes of the event (`call,all`), as received.
                #[ami(name = "Privilege")]
                pub privilege: Option<AmiStr>,
                /// When the event was raised, in seconds since the epoch (sent with `timestampevents = yes` in `manager.conf`).
                #[ami(name = "Timestamp")]
                pub timestamp: Option<f64>,
                /// The `systemname` of `asterisk.conf`, when set (tells servers of a cluster apart).
                #[ami(name = "SystemName")]
                pub system_name: Option<AmiStr>,
                #(#uses)*
                #(#fields)*
                #extra
            }
            #enums
        }
    }

    fn field_group(&mut self, g: &FieldGroup) -> TokenStream {
        self.imports.derive.insert("AmiFields");
        let docs = doc_lines(&markdown_lines(&g.doc));
        let name = ident(&g.name);
        let fields: Vec<TokenStream> = g.fields.iter().map(|f| self.field(f)).collect();
        let link = format!("[`{}`]", g.name);
        let enums = self.enums(&g.fields, &link);
        quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, AmiFields)]
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
            }
            #enums
        }
    }
}

/// The headers of entry 0 of a group: `` `Action-000000`, `Cat-000000`, ... ``.
fn index_example(g: &Group) -> String {
    let names: Vec<String> = g
        .fields
        .iter()
        .take(2)
        .map(|f| {
            let name = g.index.first(&f.wire);
            match f.multi {
                Multi::Indexed(style) => format!("`{}`", style.first(&name)),
                _ => format!("`{name}`"),
            }
        })
        .collect();
    let more = if g.fields.len() > 2 { ", ..." } else { "" };
    format!("{}{more} for entry 0", names.join(", "))
}

/// The docs of a field: its doc, then default, example and availability.
fn field_doc(f: &Field) -> Vec<String> {
    let mut lines = markdown_lines(&f.doc);
    let mut notes = Vec::new();
    if let Some(d) = &f.default {
        notes.push(format!("Server default: `{d}`."));
    }
    if let Some(e) = &f.example {
        notes.push(format!("Example: `{e}`."));
    }
    notes.extend(super::markdown::item_notes(&f.versions, &f.deviations));
    if f.is_secret() {
        notes.push("A secret: `Debug` shows `Secret(***)` and errors never quote it.".to_owned());
    }
    if !notes.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(notes.join(" "));
    }
    if lines.is_empty() {
        lines.push(format!("The `{}` header.", f.wire));
    }
    lines
}

/// A doc link to a type, from module `here`; plain code text for a type of
/// another part crate, which `here`'s crate does not depend on.
pub(crate) fn link(model: &Model, r: &TypeRef, here: &str) -> String {
    if r.family == here {
        return format!("[`{}`]", r.type_name);
    }
    match module_text(model, &r.family, here, Scope::Family) {
        Some(module) => {
            let module = module.trim_start_matches("::");
            format!("[`{}`]({module}::{})", r.type_name, r.type_name)
        }
        None => format!("`{}::{}`", r.family, r.type_name),
    }
}

/// The `#[ami]` of a variant of an enum of events holding `r`.
fn events_variant_attr(r: &TypeRef) -> TokenStream {
    let wire = &r.wire;
    match &r.user_event {
        Some(subtype) => quote!(#[ami(name = #wire, user_event = #subtype)]),
        None => quote!(#[ami(name = #wire)]),
    }
}

/// The availability and deviations of an action or event.
fn availability(versions: &Versions, deviations: &[Deviation]) -> Vec<String> {
    let mut out = Vec::new();
    let summary = versions.summary();
    if !summary.is_empty() {
        out.push(format!("*{summary}*"));
    }
    for d in deviations {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.push(d.describe());
    }
    out
}

fn paragraph(out: &mut Vec<String>, lines: Vec<String>) {
    if lines.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(String::new());
    }
    out.extend(lines);
}

fn action_doc(model: &Model, family: &Family, a: &Action) -> Vec<String> {
    let here = family.name.as_str();
    let mut out = markdown_lines(&a.synopsis);
    paragraph(&mut out, markdown_lines(&a.description));
    let mut facts = Vec::new();
    if let Some(m) = &a.module {
        facts.push(format!("Provided by `{m}`."));
    }
    if !a.privilege.is_empty() {
        facts.push(format!("Privilege: `{}`.", a.privilege.join(",")));
    }
    if !facts.is_empty() {
        paragraph(&mut out, vec![facts.join(" ")]);
    }
    paragraph(&mut out, availability(&a.versions, &a.deviations));
    if !a.free.is_empty() {
        let mut lines = vec![
            "# Free headers".to_owned(),
            String::new(),
            "These headers have no field: add them to `extra`, under any name.".to_owned(),
            String::new(),
        ];
        for f in &a.free {
            lines.push(format!("* `{}`: {}", f.wire, one_line(&f.doc)));
        }
        paragraph(&mut out, lines);
    }
    if !a.constraints.is_empty() {
        let mut lines = vec![
            "# Constraints".to_owned(),
            String::new(),
            "Checked before encoding; a violation is refused.".to_owned(),
            String::new(),
        ];
        for c in &a.constraints {
            let rule = c.kind.describe(&c.params);
            if c.doc.is_empty() {
                lines.push(format!("* {rule}."));
            } else {
                lines.push(format!("* {rule}: {}", one_line(&c.doc)));
            }
        }
        paragraph(&mut out, lines);
    }
    paragraph(&mut out, response_doc(model, here, a));
    if !a.events.is_empty() {
        let mut lines = vec!["# Events".to_owned(), String::new()];
        for e in &a.events {
            let synopsis = model
                .event_of(e)
                .map_or(String::new(), |e| one_line(&e.synopsis));
            lines.push(format!("* {}: {synopsis}", link(model, e, here)));
        }
        paragraph(&mut out, lines);
    }
    if !a.examples.is_empty() {
        let mut lines = vec!["# Examples".to_owned()];
        for ex in &a.examples {
            lines.push(String::new());
            if let Some(t) = &ex.title {
                lines.push(format!("{}:", t.trim_end_matches(':')));
                lines.push(String::new());
            }
            lines.extend(example_block(ex));
        }
        paragraph(&mut out, lines);
    }
    if !a.see_also.is_empty() {
        let links: Vec<String> = a.see_also.iter().map(|r| link(model, r, here)).collect();
        paragraph(
            &mut out,
            vec!["# See also".to_owned(), String::new(), links.join(", ")],
        );
    }
    out
}

/// A wire example as a `text` code block (never a doctest).
pub(crate) fn example_block(ex: &Example) -> Vec<String> {
    let mut lines = vec!["```text".to_owned()];
    let part = |text: &str, lines: &mut Vec<String>| {
        if lines.len() > 1 {
            lines.push(String::new());
        }
        lines.extend(wire_lines(text).iter().map(|l| l.trim_end().to_owned()));
    };
    part(&ex.request, &mut lines);
    if let Some(r) = &ex.response {
        part(r, &mut lines);
    }
    for e in &ex.events {
        part(e, &mut lines);
    }
    lines.push("```".to_owned());
    lines
}

fn one_line(text: &str) -> String {
    markdown_lines(text).join(" ")
}

fn response_doc(model: &Model, here: &str, a: &Action) -> Vec<String> {
    let mut lines = vec!["# Response".to_owned(), String::new()];
    match &a.response.kind {
        ResponseKind::Single { .. } if a.has_response_struct() => lines.push(format!(
            "[`{}Response`]: `Response: Success` with the action's fields.",
            a.rust
        )),
        ResponseKind::Single { .. } => {
            lines.push("[`Ack`]: `Response: Success` with an optional `Message`.".to_owned())
        }
        ResponseKind::List { items, complete } => {
            let item_links: Vec<String> = items.iter().map(|i| link(model, i, here)).collect();
            let via = match a.item_enum() {
                Some(e) => format!(" (as [`{e}`])"),
                None => String::new(),
            };
            lines.push(format!(
                "[`EventList`]: `Response: Success` with `EventList: start`, \
                 then the item events {}{via}, ended by {}.",
                item_links.join(", "),
                link(model, complete, here)
            ));
            let _ = model;
        }
        ResponseKind::Command => lines.push(
            "[`CommandOutput`]: the CLI output lines \
             (`Output:` headers, or Asterisk 13's `Response: Follows` text)."
                .to_owned(),
        ),
        ResponseKind::Raw => lines.push("[`RawText`]: text lines without any header.".to_owned()),
        ResponseKind::Goodbye => lines.push(
            "[`Goodbye`]: `Response: Goodbye`; the server then closes the session.".to_owned(),
        ),
    }
    if let ResponseKind::Single { free, .. } = &a.response.kind {
        if !free.is_empty() {
            lines.push(String::new());
            lines.push("Free headers of the reply (any name, kept in `extra`):".to_owned());
            lines.push(String::new());
            for f in free {
                lines.push(format!("* `{}`: {}", f.wire, one_line(&f.doc)));
            }
        }
    }
    let more = markdown_lines(&a.response.doc);
    if !more.is_empty() {
        lines.push(String::new());
        lines.extend(more);
    }
    lines
}

fn event_doc(model: &Model, family: &Family, e: &Event) -> Vec<String> {
    let here = family.name.as_str();
    let mut out = markdown_lines(&e.synopsis);
    if let Some(subtype) = &e.user_event {
        paragraph(
            &mut out,
            vec![format!(
                "A subtype of `UserEvent`: the `UserEvent` events whose `UserEvent` header is \
                 `{subtype}` (decoding checks it, encoding writes it)."
            )],
        );
    }
    paragraph(&mut out, markdown_lines(&e.description));
    if let Some(p) = &e.privilege {
        paragraph(&mut out, vec![format!("Privilege: `{p}`.")]);
    }
    paragraph(&mut out, availability(&e.versions, &e.deviations));
    if !e.caused_by.is_empty() || !e.listed_by.is_empty() {
        let mut lines = vec!["# Sent by".to_owned(), String::new()];
        for a in &e.listed_by {
            lines.push(format!("* {} (in its list reply)", link(model, a, here)));
        }
        for a in &e.caused_by {
            lines.push(format!("* {}", link(model, a, here)));
        }
        paragraph(&mut out, lines);
    }
    out
}

/// `ami-generated/parts/<part>/src/<family>.rs`.
pub fn family_rs(model: &Model, family: &Family) -> Result<String, CodeError> {
    let feature = if family.is_common() {
        "Always compiled: the groups are shared by the events of every family.".to_owned()
    } else {
        format!(
            "Enabled by the cargo feature `{}`. Reference: [`docs/reference/{}.md`]({}/{}.md).",
            family.name, family.name, REFERENCE_URL, family.name
        )
    };
    format_file(&family.file, family_body(model, family, feature))
}

/// The inside of a family's module: its docs (ending with `note`), its
/// imports and its items.
/// `doc`'s lines as the inner doc attributes of a file (`//!`).
fn inner_docs(doc: &[String]) -> TokenStream {
    doc.iter()
        .map(|l| {
            let text = if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            };
            quote!(#![doc = #text])
        })
        .collect()
}

/// The crate docs' table of `families`: module, number of actions and
/// events, title.
fn push_module_table<'m>(doc: &mut Vec<String>, families: impl IntoIterator<Item = &'m Family>) {
    doc.push("| Module | Actions | Events | Title |".to_owned());
    doc.push("|--------|---------|--------|-------|".to_owned());
    for f in families {
        doc.push(format!(
            "| [`{}`] | {} | {} | {} |",
            f.name,
            f.actions.len(),
            f.events.len(),
            f.title
        ));
    }
}

fn family_body(model: &Model, family: &Family, note: String) -> TokenStream {
    let mut gen = ModuleGen {
        model,
        family,
        imports: Imports::default(),
    };
    let mut items = TokenStream::new();
    for g in &family.groups {
        items.extend(gen.field_group(g));
    }
    for a in &family.actions {
        items.extend(gen.action(a));
    }
    for e in &family.events {
        items.extend(gen.event(e));
    }
    let mut doc = vec![format!("{}.", family.title.trim_end_matches('.'))];
    paragraph(&mut doc, markdown_lines(&family.doc));
    paragraph(&mut doc, vec![note]);
    let inner = inner_docs(&doc);
    let imports = gen.imports.tokens(model, &family.name);
    quote! {
        #inner
        #imports
        #items
    }
}

/// The Rust of a user spec (see [`crate::Builder`]): one inline module per
/// family, then `enum_name`, the enum of the user's events that falls back
/// to `ami_generated::Event`. The file is meant for `include!`, so it has no
/// inner attribute at its top; `source` names the spec files in its header.
pub fn user_rs(model: &Model, enum_name: &str, source: &str) -> String {
    let mut out = TokenStream::new();
    for family in &model.families {
        let note = format!("Generated from `{}`.", family.file);
        let body = family_body(model, family, note);
        let name = ident(&family.name);
        out.extend(quote! {
            pub mod #name {
                #body
            }
        });
    }
    let variants = model.events().map(|e| {
        let docs = doc_lines(&markdown_lines(&e.synopsis));
        let attr = events_variant_attr(&e.type_ref());
        let variant = ident(&e.rust);
        let module = module_path(model, &e.family, &e.family, Scope::Top)
            .unwrap_or_else(|| quote!(::ami_generated));
        let ty = ident(&e.type_name);
        let payload = event_payload(quote!(#module::#ty));
        quote! {
            #docs
            #attr
            #variant(#payload),
        }
    });
    let name = ident(enum_name);
    out.extend(quote! {
        /// Any event: the events of this spec first (a `UserEvent` subtype
        /// when its `UserEvent` header matches), then whatever
        /// `ami_generated::Event` decodes, its `Unknown` included.
        #[derive(Clone, Debug, PartialEq, ami_runtime::derive::AmiEvents)]
        pub enum #name {
            #(#variants)*
            /// Every other event, as `ami_generated` decodes it.
            #[ami(fallback)]
            Asterisk(::ami_generated::Event),
        }
    });
    let file: syn::File = match syn::parse2(out) {
        Ok(f) => f,
        // The model guarantees valid identifiers and the builder checks
        // `enum_name`: this cannot fail.
        Err(e) => return format!("compile_error!({:?});\n", e.to_string()),
    };
    let code = space_items_at(&space_items(&prettyplease::unparse(&file)), "    ");
    format!("// @generated by ami_codegen::Builder from {source}. Do not edit by hand.\n\n{code}")
}

/// `ami-codegen/src/base_spec.rs`: the workspace's spec files, compiled
/// into `ami-codegen` as the base of every user spec.
pub fn base_spec_rs(model: &Model) -> Result<String, CodeError> {
    let files = model.families.iter().map(|f| {
        let path = &f.file;
        let include = format!("../../{path}");
        quote!((#path, include_str!(#include)),)
    });
    format_file(
        "spec/*.toml",
        quote! {
            //! The workspace's spec, compiled in: the base spec of every user
            //! spec (`crate::Builder`), whose types are those of `ami_generated`.

            /// Every file of `spec/`: its path (as diagnostics name it) and its text.
            pub(crate) const FILES: &[(&str, &str)] = &[
                #(#files)*
            ];
        },
    )
}

/// The payload of the variant of an enum of events that holds an event
/// whose struct is `ty`: always a `Box` of it. A value of an enum is as
/// large as its largest variant, and events are wide (`VarSet`, the most
/// frequent, is some 700 bytes; `EndpointDetail` about 2 KiB): unboxed,
/// each decoded event was moved several times at the size of the widest
/// (from the decoder to the `Result` to the enum to the caller). Boxed, an
/// enum of events is as small as its `Unknown` message (56 bytes), and a
/// derived event decodes straight into its box
/// (`FromEvent::from_named_event_boxed`): one allocation per event for no
/// moves of the event at all.
fn event_payload(ty: TokenStream) -> TokenStream {
    quote!(Box<#ty>)
}

/// Where the reference pages are read online: the repository of
/// `Cargo.toml` (`[workspace.package] repository`), branch `main`. Module
/// docs link there, so that the links work on docs.rs too.
pub const REFERENCE_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/reference");

/// The crate docs' section on the `serde` feature (its doc test runs with
/// the feature: a dev-dependency of ami-generated on itself turns it on).
const SERDE_DOC: &str = r##"
# JSON (feature `serde`)

With the feature `serde`, every action, response and event, every field
group and enumeration, the [`Event`] enum and the runtime's wire types
(`Header`, `Message`, `Ack`, `EventList`...) implement `Serialize` and
`Deserialize` (impls emitted by the derives: no `serde_derive`). The shape:

* an object per struct, keys the Rust field names (snake_case), in
  declaration order;
* integers and decimals as JSON numbers, booleans as `true`/`false`,
  enumerations as their wire spelling (an unknown value as received),
  variables (`Var`) as `"name=value"`;
* a `None` field omitted; a repeated or indexed header always an array,
  even with one value or none;
* a group flattened into its event (`ChannelSnapshot`'s `channel`,
  `uniqueid`...), or, under a prefix (`Transferer...`), an object under the
  field's name; an indexed group (`Action-000000`...) an array of objects;
* headers no field took in `extra`, in order, as `[name, value]` pairs
  (omitted when empty);
* a `Secret` as `"********"`: serde output is output, and a secret is
  never printed;
* the [`Event`] enum as `{"<wire name>": {...}}`, an unknown event as
  `{"Unknown": {"headers": [[name, value], ...]}}`.

Deserializing accepts what serializing gives: the JSON types are checked
(`"cause": "16"` is refused), unknown keys are refused, and the values go
through the wire decoder, so `deserialize(serialize(x)) == x` for every
type (with serde_json's `float_roundtrip` feature for exact decimals; a
`Secret` comes back as the redaction mark). It needs a self-describing
format (JSON, TOML, YAML...).

```
# #[cfg(feature = "serde")] {
use ami_generated::Event;
use ami_runtime::wire::{FromEvent, Message};

let msg = Message::parse_block(
    "Event: Hangup\nChannel: PJSIP/300-00000001\nUniqueid: 1.1\n\
     ChanVariable: a=1\nCause: 16\nCause-txt: Normal Clearing\nX-New: kept\n",
)
.unwrap();
let Event::Hangup(hangup) = Event::from_event(&msg).unwrap() else {
    unreachable!()
};
let json = serde_json::to_string(&hangup).unwrap();
assert_eq!(
    json,
    r#"{"channel":"PJSIP/300-00000001","uniqueid":"1.1","chan_variable":["a=1"],"cause":16,"cause_txt":"Normal Clearing","extra":[["X-New","kept"]]}"#
);
assert_eq!(serde_json::from_str::<ami_generated::channel::HangupEvent>(&json).unwrap(), *hangup);
# }
```"##;

/// `ami-generated/src/lib.rs` (the facade): the families' modules
/// re-exported from their part crates, and the `Event` enum.
pub fn lib_rs(model: &Model) -> Result<String, CodeError> {
    let mut doc = vec![
        "Typed AMI actions, responses and events, generated from the TOML spec.".to_owned(),
        String::new(),
        "Every action is a struct `<Name>Action` whose fields are its parameters; its reply"
            .to_owned(),
        "is a `<Name>Response` struct or a generic shape of `ami_runtime::wire` (`Ack`,".to_owned(),
        "`EventList`, `CommandOutput`...), and every event is a struct `<Name>Event`. The"
            .to_owned(),
        "behaviour (encoding, decoding, validation) comes from the derives of `ami-derive`."
            .to_owned(),
        "A name that already ends with its suffix is not suffixed twice: the event".to_owned(),
        "`UserEvent` is `manager::UserEvent`, the action `UserEvent` is".to_owned(),
        "`manager::UserEventAction`.".to_owned(),
        String::new(),
        "Each family is a module behind the cargo feature of the same name; the default".to_owned(),
        "feature `all` enables them all.".to_owned(),
        String::new(),
    ];
    push_module_table(&mut doc, &model.families);
    doc.push(String::new());
    doc.push("[`Event`] decodes any event of the enabled families; [`registry`] looks actions up by name.".to_owned());
    doc.push(String::new());
    doc.push(
        "The families' code lives in part crates that build in parallel, re-exported".to_owned(),
    );
    doc.push("here under the paths above (depend on this crate, not on them):".to_owned());
    doc.push(String::new());
    for (name, title) in part_list(model) {
        let names: Vec<String> = parts::families(model, name)
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect();
        doc.push(format!(
            "* `{}`: {title} ({})",
            parts::crate_name(name),
            names.join(", ")
        ));
    }
    doc.extend(SERDE_DOC.lines().map(str::to_owned));
    let inner = inner_docs(&doc);
    // The modules live in the part crates (see `parts`): re-exported,
    // inline, so that the docs read as if they were defined here.
    let modules = model.families.iter().map(|f| {
        let name = ident(&f.name);
        let krate = ident(&parts::crate_ident(parts::of(&f.name)));
        if f.is_common() {
            quote! {
                #[doc(inline)]
                pub use #krate::#name;
            }
        } else {
            let feature = &f.name;
            quote! {
                #[cfg(feature = #feature)]
                #[cfg_attr(docsrs, doc(cfg(feature = #feature)))]
                #[doc(inline)]
                pub use #krate::#name;
            }
        }
    });
    let variants = model.features().flat_map(|f| {
        f.events.iter().map(move |e| {
            let feature = &f.name;
            let docs = doc_lines(&markdown_lines(&e.synopsis));
            let wire = &e.wire;
            let variant = ident(&e.rust);
            let family = ident(&f.name);
            let ty = ident(&e.type_name);
            let payload = event_payload(quote!(#family::#ty));
            quote! {
                #docs
                #[cfg(feature = #feature)]
                #[cfg_attr(docsrs, doc(cfg(feature = #feature)))]
                #[ami(name = #wire)]
                #variant(#payload),
            }
        })
    });
    format_file(
        "spec/*.toml",
        quote! {
            #inner

            #![cfg_attr(docsrs, feature(doc_cfg))]

            use ami_runtime::derive::AmiEvents;

            #(#modules)*
            pub mod registry;

            /// Any event: the typed struct of every event of the enabled families,
            /// or [`Event::Unknown`] with the message as received.
            #[derive(Clone, Debug, PartialEq, AmiEvents)]
            #[non_exhaustive]
                pub enum Event {
                #(#variants)*
                /// An event this spec does not list (or of a disabled family), as received.
                #[ami(unknown)]
                Unknown(ami_runtime::wire::Message),
            }
        },
    )
}

/// The base and the parts that hold at least one family of `model`, with
/// their titles, in crate order.
pub fn part_list(model: &Model) -> Vec<(&'static str, &'static str)> {
    let base = (parts::BASE, "the shared field groups");
    std::iter::once(base)
        .chain(parts::PARTS.iter().map(|p| (p.name, p.title)))
        .filter(|(name, _)| !parts::families(model, name).is_empty())
        .collect()
}

/// `ami-generated/parts/<part>/src/lib.rs`: the crate docs and the module
/// of each family of the part (or of the base).
pub fn part_lib_rs(model: &Model, part: &str, title: &str) -> Result<String, CodeError> {
    let families = parts::families(model, part);
    let mut doc = vec![
        format!("Part of [`ami-generated`](https://docs.rs/ami-generated): {title}."),
        String::new(),
        "Generated from the TOML spec; use it through `ami-generated`, which re-exports".to_owned(),
        "its modules under the same paths (`ami_generated::<module>`), with the `Event`".to_owned(),
        "enum and the registry that tie the families together. The generated code is".to_owned(),
        "split into crates so that they build in parallel.".to_owned(),
        String::new(),
    ];
    if part != parts::BASE {
        doc.push(
            "Each module is behind the cargo feature of the same name (none is on by default)."
                .to_owned(),
        );
        doc.push(String::new());
    }
    push_module_table(&mut doc, families.iter().copied());
    let inner = inner_docs(&doc);
    // The module's own inner docs (title, summary, feature) are its whole
    // documentation: an outer doc here would be joined to them (rustdoc
    // showed the title twice).
    let modules = families.iter().map(|f| {
        let name = ident(&f.name);
        if f.is_common() {
            quote!(pub mod #name;)
        } else {
            let feature = &f.name;
            quote! {
                #[cfg(feature = #feature)]
                #[cfg_attr(docsrs, doc(cfg(feature = #feature)))]
                pub mod #name;
            }
        }
    });
    let checks_doc = if part == parts::BASE {
        " What `ami_generated::registry` runs for one action (not a stable API)."
    } else {
        " The checks of this crate's actions, for `ami_generated::registry` (not a stable API)."
    };
    format_file(
        "spec/*.toml",
        quote! {
            #inner

            #![cfg_attr(docsrs, feature(doc_cfg))]

            #(#modules)*

            #[doc = #checks_doc]
            #[doc(hidden)]
            pub mod checks;
        },
    )
}

/// The `[package]` table of a generated crate, the workspace's fields
/// inherited.
fn package_table(name: &str, description: &str) -> String {
    format!(
        "[package]\n\
         name = \"{name}\"\n\
         description = \"{description}\"\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         repository.workspace = true\n"
    )
}

/// The docs.rs table of a generated crate.
const DOCS_RS: &str = "\n# docs.rs: every family, with a badge naming the feature of each.\n\
                       [package.metadata.docs.rs]\n\
                       all-features = true\n\
                       rustdoc-args = [\"--cfg\", \"docsrs\"]\n";

/// A path dependency on the generated crate `name` (published with the
/// workspace's version: ami-codegen's own).
fn part_dependency(name: &str, path: &str, optional: bool) -> String {
    format!(
        "{} = {{ path = \"{path}\", version = \"{}\"{} }}\n",
        parts::crate_name(name),
        env!("CARGO_PKG_VERSION"),
        if optional { ", optional = true" } else { "" }
    )
}

/// `ami-generated/parts/<part>/Cargo.toml`: a feature per family, no
/// default (the facade's features pick them).
pub fn part_cargo_toml(model: &Model, part: &str, title: &str) -> String {
    let mut out = header("#", "spec/*.toml");
    out.push_str(&package_table(
        &parts::crate_name(part),
        &format!("Part of ami-generated (use that crate): {title}."),
    ));
    out.push_str("\n[features]\n");
    let families = parts::families(model, part);
    for f in families.iter().filter(|f| !f.is_common()) {
        let deps: Vec<String> = f.depends.iter().map(|d| format!("\"{d}\"")).collect();
        out.push_str(&format!("{} = [{}]\n", f.name, deps.join(", ")));
    }
    let base = parts::crate_name(parts::BASE);
    if part == parts::BASE {
        out.push_str("serde = [\"ami-runtime/serde\"]\n");
    } else {
        out.push_str(&format!(
            "serde = [\"ami-runtime/serde\", \"{base}/serde\"]\n"
        ));
    }
    out.push_str("\n[dependencies]\nami-runtime.workspace = true\n");
    if part != parts::BASE {
        out.push_str(&part_dependency(parts::BASE, "../common", false));
    }
    out.push_str(DOCS_RS);
    out
}

/// An `Availability` constant: `Availability::ALWAYS` or its fields.
fn availability_tokens(v: &Versions) -> TokenStream {
    if v.availability().is_always() {
        return quote!(Availability::ALWAYS);
    }
    let version = |v: &Version| {
        let (a, b, c) = (
            proc_macro2::Literal::u32_unsuffixed(v.major),
            proc_macro2::Literal::u32_unsuffixed(v.minor),
            proc_macro2::Literal::u32_unsuffixed(v.patch),
        );
        quote!(Version::new(#a, #b, #c))
    };
    let since = v.since.iter().map(version);
    let option = |o: &Option<Version>| match o {
        Some(v) => {
            let v = version(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    };
    let (deprecated, removed) = (option(&v.deprecated), option(&v.removed));
    quote! {
        Availability {
            since: &[#(#since),*],
            deprecated: #deprecated,
            removed: #removed,
        }
    }
}

/// `ami-generated/src/registry.rs`: actions and events by name, for tools.
pub fn registry_rs(model: &Model) -> Result<String, CodeError> {
    let base_crate = ident(&parts::crate_ident(parts::BASE));
    let mut actions: Vec<&Action> = model.actions().collect();
    actions.sort_by_key(|a| a.wire.to_ascii_lowercase());
    let path = |a: &Action| {
        let family = ident(&a.family);
        let ty = ident(&a.type_name);
        quote!(crate::#family::#ty)
    };
    let infos = actions.iter().map(|a| {
        let feature = &a.family;
        let ty = path(a);
        quote! {
            #[cfg(feature = #feature)]
            ActionInfo {
                name: <#ty as Action>::NAME,
                family: #feature,
                shape: <#ty as Action>::SHAPE,
                availability: <#ty as Action>::AVAILABILITY,
            },
        }
    });
    let mut events: Vec<&Event> = model.events().collect();
    events.sort_by_key(|e| e.wire.to_ascii_lowercase());
    let event_infos = events.iter().map(|e| {
        let feature = &e.family;
        let name = &e.wire;
        let availability = availability_tokens(&e.versions);
        quote! {
            #[cfg(feature = #feature)]
            EventInfo {
                name: #name,
                family: #feature,
                availability: #availability,
            },
        }
    });
    // The checks are tables of the part crates (`part_checks_rs`): the
    // code per action is compiled there, in parallel.
    let part_checks = part_list(model).into_iter().filter_map(|(part, _)| {
        let families = parts::families(model, part);
        let features: Vec<&str> = families
            .iter()
            .filter(|f| !f.is_common())
            .map(|f| f.name.as_str())
            .collect();
        if features.is_empty() {
            return None;
        }
        let krate = ident(&parts::crate_ident(part));
        Some(quote! {
            #[cfg(any(#(feature = #features),*))]
            &#krate::checks::CHECKS,
        })
    });
    let visits = actions.iter().map(|a| {
        let feature = &a.family;
        let key = a.wire.to_ascii_lowercase();
        let ty = path(a);
        quote! {
            #[cfg(feature = #feature)]
            #key => Ok(visitor.visit(decode_action::<#ty>(msg)?)),
        }
    });
    let reply_visits = actions.iter().map(|a| {
        let feature = &a.family;
        let key = a.wire.to_ascii_lowercase();
        let ty = path(a);
        quote! {
            #[cfg(feature = #feature)]
            #key => Ok(visitor.visit(
                <<#ty as Action>::Response as FromResponse>::from_reply(reply, <#ty as Action>::NAME)?,
            )),
        }
    });
    format_file(
        "spec/*.toml",
        quote! {
            //! Every action of the enabled families by wire name, for tools that
            //! handle actions they do not know at compile time (proxies, mocks,
            //! capture checkers).

            use std::fmt;

            // `Version` is unused when no enabled action or event has a version.
            #[allow(unused_imports)]
            use ami_runtime::version::{Availability, Version};
            use ami_runtime::wire::{
                Action, DecodeError, EncodeError, Message, MessageKind, Reply, ResponseShape,
            };
            #[cfg(feature = "serde")]
            use ami_runtime::wire::{decode_action, FromResponse, TypedVisitor};
            use #base_crate::checks::{Checks, Refusal, RoundTrip};

            /// What the registry knows about one action.
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            #[non_exhaustive]
            pub struct ActionInfo {
                /// Wire name, as Asterisk spells it.
                pub name: &'static str,
                /// Family: module of `ami_generated` and cargo feature.
                pub family: &'static str,
                /// How the reply is collected.
                pub shape: ResponseShape,
                /// The Asterisk versions that have it.
                pub availability: Availability<'static>,
            }

            /// Every action of the enabled families, sorted by name (ignoring case).
            pub static ACTIONS: &[ActionInfo] = &[
                #(#infos)*
            ];

            /// The action called `name`, ignoring ASCII case, if its family is enabled.
            pub fn action_info(name: &str) -> Option<&'static ActionInfo> {
                ACTIONS.iter().find(|a| a.name.eq_ignore_ascii_case(name))
            }

            /// What the registry knows about one event.
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            #[non_exhaustive]
            pub struct EventInfo {
                /// Wire name, as Asterisk spells it.
                pub name: &'static str,
                /// Family: module of `ami_generated` and cargo feature.
                pub family: &'static str,
                /// The Asterisk versions that have it.
                pub availability: Availability<'static>,
            }

            /// Every event of the enabled families, sorted by name (ignoring case).
            pub static EVENTS: &[EventInfo] = &[
                #(#event_infos)*
            ];

            /// The event called `name`, ignoring ASCII case, if its family is enabled.
            pub fn event_info(name: &str) -> Option<&'static EventInfo> {
                EVENTS.iter().find(|e| e.name.eq_ignore_ascii_case(name))
            }

            /// Why [`check_action`] refused a message.
            #[derive(Clone, Debug, PartialEq, Eq)]
            #[non_exhaustive]
            pub enum Error {
                /// The message has no `Action` header.
                NotAnAction,
                /// No enabled family has an action of this name.
                UnknownAction(String),
                /// The message does not decode as its typed action.
                Decode(DecodeError),
                /// The typed action refuses to encode (a constraint, a value...).
                Encode(EncodeError),
                /// What the typed action encodes to decodes into a value that encodes
                /// to other bytes.
                RoundTrip {
                    /// The encoding.
                    encoded: String,
                },
            }

            impl fmt::Display for Error {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    match self {
                        Error::NotAnAction => f.write_str("not an action: no Action header"),
                        Error::UnknownAction(name) => write!(f, "unknown action {name}"),
                        Error::Decode(e) => e.fmt(f),
                        Error::Encode(e) => e.fmt(f),
                        Error::RoundTrip { encoded } => {
                            write!(f, "the encoding decodes into another value: {encoded:?}")
                        }
                    }
                }
            }

            impl std::error::Error for Error {
                fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                    // Decode and Encode are displayed as the inner error
                    // itself: its cause is the next link.
                    match self {
                        Error::Decode(e) => std::error::Error::source(e),
                        Error::Encode(e) => std::error::Error::source(e),
                        _ => None,
                    }
                }
            }

            impl From<DecodeError> for Error {
                fn from(e: DecodeError) -> Self {
                    Error::Decode(e)
                }
            }

            impl From<EncodeError> for Error {
                fn from(e: EncodeError) -> Self {
                    Error::Encode(e)
                }
            }

            /// The checks of the actions of each part crate that is built,
            /// by reference to the part's `static`: a copy of its value
            /// would be a table of this crate, whose functions (the code per
            /// action) would be compiled here again.
            static CHECKS: &[&&[Checks]] = &[
                #(#part_checks)*
            ];

            /// The checks of the action called `name`, ignoring ASCII case.
            fn checks(name: &str) -> Option<&'static Checks> {
                CHECKS
                    .iter()
                    .flat_map(|part| part.iter())
                    .find(|c| c.name.eq_ignore_ascii_case(name))
            }

            /// Validate a request: decode it as its typed action, encode that
            /// again (which checks values and constraints), and decode the
            /// encoding: it must give the same value.
            pub fn check_action(msg: &Message) -> Result<(), Error> {
                let MessageKind::Action(name) = msg.kind() else {
                    return Err(Error::NotAnAction);
                };
                match checks(name) {
                    Some(checks) => same_again(msg, checks.round_trip),
                    None => Err(Error::UnknownAction(name.to_owned())),
                }
            }

            /// Decode a reply to `action` (its wire name, any case) into the
            /// typed response. `Response: Error` replies are the caller's to
            /// filter out first, as the protocol core does.
            pub fn check_reply(action: &str, reply: &Reply) -> Result<(), DecodeError> {
                match checks(action) {
                    Some(checks) => (checks.reply)(reply, checks.name),
                    None => Err(DecodeError::unexpected(
                        format!("response to {action}"),
                        "an action of an enabled family",
                        action,
                    )),
                }
            }

            /// Decode a request as its typed action and hand the value to
            /// `visitor` (feature `serde`): how a tool that knows actions only
            /// by name serializes them (`ami decode` prints them as JSON).
            #[cfg(feature = "serde")]
            #[allow(unused_variables)] // `visitor` when no family is enabled
            pub fn visit_action<V: TypedVisitor>(msg: &Message, visitor: V) -> Result<V::Output, Error> {
                let MessageKind::Action(name) = msg.kind() else {
                    return Err(Error::NotAnAction);
                };
                match name.to_ascii_lowercase().as_str() {
                    #(#visits)*
                    _ => Err(Error::UnknownAction(name.to_owned())),
                }
            }

            /// Decode a reply to `action` (its wire name, any case) into the
            /// typed response and hand the value to `visitor` (feature `serde`).
            /// `Response: Error` replies are the caller's to filter out first.
            #[cfg(feature = "serde")]
            #[allow(unused_variables)] // `reply` and `visitor` when no family is enabled
            pub fn visit_reply<V: TypedVisitor>(
                action: &str,
                reply: &Reply,
                visitor: V,
            ) -> Result<V::Output, DecodeError> {
                match action.to_ascii_lowercase().as_str() {
                    #(#reply_visits)*
                    _ => Err(DecodeError::unexpected(
                        format!("response to {action}"),
                        "an action of an enabled family",
                        action,
                    )),
                }
            }

            /// One round trip, its refusal as the registry's error.
            fn run(round_trip: RoundTrip, msg: &Message, out: &mut Vec<u8>) -> Result<(), Error> {
                match round_trip(msg, out) {
                    Ok(()) => Ok(()),
                    Err(Refusal::Decode(error)) => Err(Error::Decode(error)),
                    Err(Refusal::Encode(error)) => Err(Error::Encode(error)),
                }
            }

            /// `Ok` when the action in `msg`, decoded and encoded by
            /// `round_trip`, gives bytes that decode and encode to the same
            /// bytes again.
            #[allow(dead_code)]
            fn same_again(msg: &Message, round_trip: RoundTrip) -> Result<(), Error> {
                let mut out = Vec::new();
                run(round_trip, msg, &mut out)?;
                let encoded = String::from_utf8_lossy(&out).into_owned();
                let mut again = Vec::new();
                match Message::parse_block(&encoded) {
                    Ok(parsed) if round_trip(&parsed, &mut again).is_ok() && again == out => Ok(()),
                    _ => Err(Error::RoundTrip { encoded }),
                }
            }
        },
    )
}

/// `ami-generated/parts/common/src/checks.rs`: what the registry runs for
/// one action, in the base crate so that each part holds the checks of its
/// own actions (`part_checks_rs`) and the facade's registry looks them up.
pub fn checks_support_rs() -> Result<String, CodeError> {
    format_file(
        "ami-codegen",
        quote! {
            //! What `ami_generated::registry` runs for one action: a table of
            //! `Checks` per part crate (its module `checks`), so that the code
            //! per action is compiled in the part, in parallel with the others.
            //! Not a stable API: use `ami_generated::registry`.

            use ami_runtime::wire::{
                decode_action, encode_action, Action, DecodeError, EncodeError, FromResponse,
                Message, Reply,
            };

            /// Why a round trip refused a request.
            #[derive(Debug)]
            pub enum Refusal {
                /// It does not decode as its typed action.
                Decode(DecodeError),
                /// The typed action refuses to encode.
                Encode(EncodeError),
            }

            /// Decode a request as one typed action and encode it again.
            pub type RoundTrip = fn(&Message, &mut Vec<u8>) -> Result<(), Refusal>;

            /// What the registry's `check_action` and `check_reply` run for
            /// one action: a table rather than a `match` arm per action, so
            /// that the lookup is compiled once.
            #[derive(Debug)]
            pub struct Checks {
                /// Wire name (matched ignoring ASCII case).
                pub name: &'static str,
                /// [`round_trip`] of the action.
                pub round_trip: RoundTrip,
                /// [`decode_reply`] of the action's response type (one per
                /// type: most actions share `Ack`).
                pub reply: fn(&Reply, &'static str) -> Result<(), DecodeError>,
            }

            /// Decode `msg` as the action `A` and encode it to `out`.
            /// Compiled once per action, so it only decodes and encodes,
            /// with no `?` (each one a conversion compiled per action).
            pub fn round_trip<A: Action>(msg: &Message, out: &mut Vec<u8>) -> Result<(), Refusal> {
                match decode_action::<A>(msg) {
                    Ok(action) => encoded(encode_action(&action, msg.action_id(), out)),
                    Err(error) => Err(Refusal::Decode(error)),
                }
            }

            /// The result of `encode_action` as a [`Refusal`] (out of line: it
            /// would be inlined into every [`round_trip`]).
            #[inline(never)]
            fn encoded(result: Result<(), EncodeError>) -> Result<(), Refusal> {
                result.map_err(Refusal::Encode)
            }

            /// Decode a reply to the action called `action` as its response
            /// type `R`.
            pub fn decode_reply<R: FromResponse>(reply: &Reply, action: &'static str) -> Result<(), DecodeError> {
                match R::from_reply(reply, action) {
                    Ok(_) => Ok(()),
                    Err(error) => Err(error),
                }
            }
        },
    )
}

/// `ami-generated/parts/<part>/src/checks.rs`: the [`checks_support_rs`]
/// table of the part's actions, sorted by name (ignoring case).
pub fn part_checks_rs(model: &Model, part: &str) -> Result<String, CodeError> {
    let mut actions: Vec<&Action> = model
        .actions()
        .filter(|a| parts::of(&a.family) == part)
        .collect();
    actions.sort_by_key(|a| a.wire.to_ascii_lowercase());
    let base = ident(&parts::crate_ident(parts::BASE));
    let checks = actions.iter().map(|a| {
        let feature = &a.family;
        let family = ident(&a.family);
        let ty = ident(&a.type_name);
        quote! {
            #[cfg(feature = #feature)]
            Checks {
                name: <crate::#family::#ty as Action>::NAME,
                round_trip: round_trip::<crate::#family::#ty>,
                reply: decode_reply::<<crate::#family::#ty as Action>::Response>,
            },
        }
    });
    format_file(
        "spec/*.toml",
        quote! {
            //! The checks of this crate's actions, for `ami_generated::registry`
            //! (compiled here, in parallel with the other parts). Not a stable
            //! API: use `ami_generated::registry`.

            // Unused when no family of the part is enabled.
            #[allow(unused_imports)]
            use ami_runtime::wire::Action;
            #[allow(unused_imports)]
            use #base::checks::{decode_reply, round_trip, Checks};

            /// The checks of every action of the enabled families.
            pub static CHECKS: &[Checks] = &[
                #(#checks)*
            ];
        },
    )
}

/// `ami-generated/Cargo.toml`: one feature per family.
pub fn cargo_toml(model: &Model) -> String {
    let mut out = header("#", "spec/*.toml");
    out.push_str(&package_table(
        "ami-generated",
        "Typed AMI actions, responses and events, generated from the TOML spec.",
    ));
    out.push_str("\n[features]\ndefault = [\"all\"]\n");
    let names: Vec<String> = model
        .features()
        .map(|f| format!("\"{}\"", f.name))
        .collect();
    out.push_str(&format!("all = [{}]\n", names.join(", ")));
    for f in model.features() {
        let krate = parts::crate_name(parts::of(&f.name));
        let mut deps: Vec<String> = f.depends.iter().map(|d| format!("\"{d}\"")).collect();
        deps.push(format!("\"dep:{krate}\""));
        deps.push(format!("\"{krate}/{}\"", f.name));
        out.push_str(&format!("{} = [{}]\n", f.name, deps.join(", ")));
    }
    let mut serde = vec!["\"ami-runtime/serde\"".to_owned()];
    for (name, _) in part_list(model) {
        let optional = if name == parts::BASE { "" } else { "?" };
        serde.push(format!("\"{}{optional}/serde\"", parts::crate_name(name)));
    }
    out.push_str(&format!(
        "# `Serialize` and `Deserialize` for every type (JSON shape: the crate docs).\n\
         serde = [{}]\n",
        serde.join(", ")
    ));
    out.push_str("\n[dependencies]\nami-runtime.workspace = true\n");
    out.push_str(
        "# The families' code, in crates that build in parallel (ami-codegen's `parts`).\n",
    );
    for (name, _) in part_list(model) {
        let path = parts::dir(name);
        let path = path.trim_start_matches("ami-generated/");
        out.push_str(&part_dependency(name, path, name != parts::BASE));
    }
    out.push_str(DOCS_RS);
    out.push_str(
        "\n[dev-dependencies]\n\
         # The crate docs' JSON example runs with the `serde` feature on.\n\
         ami-generated = { path = \".\", features = [\"serde\"] }\n\
         serde_json.workspace = true\n",
    );
    out
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn code_that_does_not_parse_is_an_error_not_a_file() {
        let tokens = quote! {
            pub struct Fine;
            pub struct Broken { a: u8 b: u8 }
        };
        let err = format_file("spec/demo.toml", tokens).unwrap_err();
        assert_eq!(err.source, "spec/demo.toml");
        assert_eq!(err.message, "expected `,`");
        assert_eq!(err.line, 1);
        assert!(err.near.contains("a : u8 b"), "{err:?}");
        assert!(err.column > 1, "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "the Rust generated from spec/demo.toml does not parse: 1:{}: expected `,` (near `{}`)",
                err.column, err.near
            )
        );
        let ok = format_file(
            "spec/demo.toml",
            quote!(
                pub struct Fine;
            ),
        )
        .unwrap();
        assert!(ok.starts_with("// @generated"));
    }
}
