//! Code generation for the struct derives: `AmiFields` (the `Fields` impl and
//! the constructors) and, on top of it, `AmiEvent`, `AmiResponse` and
//! `AmiAction`.
//!
//! Per struct the output is one small decoding state (`__AmiPartial`, a slot
//! per field), an `accept` made of one `match` on the length of the header
//! name (each arm comparing names ignoring ASCII case) plus a line per
//! group, and an `encode` that is a `static` table of the fields (per
//! field its header name, its offset and its declared type, which picks a
//! writer compiled once per field type) handed to one loop of the runtime.
//! Parsing, duplicate handling, index bookkeeping and writing are helpers in
//! `ami_runtime::wire::derive_support`, generic only where they must be:
//! what is compiled once per struct or per value type is kept to a few
//! lines, so that a crate of hundreds of derived structs builds quickly.

use std::collections::BTreeMap;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::Type;

use crate::internals::ast::{Container, Field, FieldKind, WireName};
use crate::internals::attr::{ConstraintKind, ContainerAttrs, IndexStyle, Shape};
use crate::internals::Derive;

/// Tokens that name the runtime's wire module.
pub fn rt() -> TokenStream {
    quote!(::ami_runtime::wire)
}

/// Tokens that name the helpers of generated code.
pub fn support() -> TokenStream {
    quote!(::ami_runtime::wire::derive_support)
}

/// A span at `ty` (so type errors point at the field) but with the hygiene
/// of the macro, so lints treat the code as generated.
fn at(ty: &Type) -> Span {
    Span::call_site().located_at(ty.span())
}

/// A byte-string literal of `text`: keys and names are matched as bytes.
pub fn byte_lit(text: &str) -> Literal {
    Literal::byte_string(text.as_bytes())
}

/// The runtime's `IndexStyle` variant for `style`.
pub fn style_tokens(style: IndexStyle) -> TokenStream {
    let rt = rt();
    match style {
        IndexStyle::Dash6 => quote!(#rt::IndexStyle::Dash6),
        IndexStyle::Paren => quote!(#rt::IndexStyle::Paren),
    }
}

/// Expand one of the struct derives.
pub fn expand(cont: &Container, derive: Derive) -> TokenStream {
    let partial = partial_struct(cont.fields());
    let fields_impl = fields_impl(cont, derive);
    let (message_impl, inherent) = match derive {
        Derive::Event => (event_impl(cont), TokenStream::new()),
        Derive::Response => (response_impl(cont), TokenStream::new()),
        Derive::Action => action_impl(cont),
        _ => (TokenStream::new(), TokenStream::new()),
    };
    let constructors = constructors(cont);
    quote! {
        const _: () = {
            #partial
            #fields_impl
            #message_impl
        };
        #constructors
        #inherent
    }
}

fn partial_struct(fields: &[Field]) -> TokenStream {
    let rt = rt();
    let slots = fields.iter().map(|f| {
        let ident = f.ident;
        let ty = match &f.kind {
            FieldKind::Value { ty, .. } => quote!(::core::option::Option<#ty>),
            FieldKind::Repeated { ty, .. } => quote!(::std::vec::Vec<#ty>),
            FieldKind::Indexed { ty, .. } => quote!(::std::vec::Vec<(u32, #ty)>),
            FieldKind::Flatten {
                ty,
                optional: false,
                ..
            } => quote_spanned!(at(ty)=> <#ty as #rt::Fields>::Partial),
            FieldKind::Flatten {
                ty, optional: true, ..
            } => quote_spanned!(at(ty)=> (<#ty as #rt::Fields>::Partial, bool)),
            FieldKind::IndexedGroup { ty, .. } => {
                quote_spanned!(at(ty)=> ::std::vec::Vec<(u32, <#ty as #rt::Fields>::Partial)>)
            }
            FieldKind::Extra => {
                let ty = f.ty;
                quote!(#ty)
            }
        };
        quote!(#ident: #ty)
    });
    quote! {
        /// Decoding state: one slot per field.
        #[doc(hidden)]
        #[derive(Default)]
        pub struct __AmiPartial {
            #(#slots,)*
        }
    }
}

fn fields_impl(cont: &Container, derive: Derive) -> TokenStream {
    let ident = cont.ident;
    let (rt, sp) = (rt(), support());
    let accept = accept_body(cont.fields());
    let groups = cont.fields().iter().filter_map(|f| match &f.kind {
        FieldKind::Flatten { ty, .. } => Some(*ty),
        _ => None,
    });
    let leaves_framing = leaves_framing(cont.fields());
    let finish = finish_body(cont.fields());
    let (encode_items, encode) = encode_body(cont, derive);
    let unknown = unknown_headers_body(cont.fields());
    let accept_unknown = cont
        .fields()
        .iter()
        .find(|f| matches!(f.kind, FieldKind::Extra))
        .map(|f| {
            let field = f.ident;
            quote! {
                fn accept_unknown(partial: &mut Self::Partial, header: &#rt::RawHeader<'_>) -> bool {
                    partial.#field.push(header.to_header());
                    true
                }
            }
        });
    // A message type (not a group, decoded only inside its message) gets
    // its decoding operations as a `static` of this crate: compiled here,
    // once, not in each crate that decodes it (`Fields::decode_ops`).
    let decode_ops = (derive != Derive::Fields).then(|| {
        quote! {
            #[inline]
            fn decode_ops() -> #sp::OpsRef<Self> {
                static OPS: #sp::OpsFor<#ident> = #sp::OpsFor::<#ident>::NEW;
                OPS.get()
            }
        }
    });
    quote! {
        #encode_items

        #[automatically_derived]
        impl #rt::Fields for #ident {
            type Partial = __AmiPartial;

            #decode_ops

            const ENCODE_TABLE: ::core::option::Option<#sp::FieldTable<Self>> =
                ::core::option::Option::Some(__AMI_FIELDS);

            // `finish_into` moves every value out of the slots (a group's
            // slot is emptied by the group's own `finish_into`).
            const FINISH_EMPTIES: bool = true #(&& <#groups as #rt::Fields>::FINISH_EMPTIES)*;

            const LEAVES_FRAMING: bool = #leaves_framing;

            #[allow(unused_variables)]
            fn accept(
                partial: &mut Self::Partial,
                key: &[u8],
                header: &#rt::RawHeader<'_>,
            ) -> #rt::Accepted {
                #accept
            }

            #accept_unknown

            fn finish(
                partial: &mut Self::Partial,
                prefix: &str,
            ) -> ::core::result::Result<Self, #rt::FieldError> {
                #sp::finish_in_place::<Self>(partial, prefix)
            }

            #[allow(unused_variables)]
            fn finish_into<'o>(
                partial: &mut Self::Partial,
                prefix: &str,
                out: &'o mut ::core::mem::MaybeUninit<Self>,
            ) -> ::core::result::Result<&'o mut Self, #rt::FieldError> {
                #finish
            }

            #[allow(unused_variables)]
            fn encode(
                &self,
                enc: &mut #rt::Encoder<'_>,
            ) -> ::core::result::Result<(), #rt::EncodeError> {
                #encode
            }

            #[allow(unused_variables)]
            fn unknown_headers<'a>(&'a self, out: &mut ::std::vec::Vec<&'a #rt::Header>) {
                #unknown
            }
        }
    }
}

/// The framing header names of every message role, lowercase: what
/// `MessageRole::is_framing` of the runtime consumes.
const FRAMING_NAMES: [&str; 6] = [
    "action",
    "actionid",
    "response",
    "event",
    "eventlist",
    "userevent",
];

/// `Fields::LEAVES_FRAMING`: whether `accept` leaves every framing name.
/// Own fields must not be named so; an unprefixed group must leave them
/// itself; a prefixed group is only reached by names starting with its
/// prefix, so a prefix that starts no framing name rules it out (one that
/// does gives `false`, conservatively). Indexed names end in an index,
/// which no framing name has.
fn leaves_framing(fields: &[Field]) -> TokenStream {
    let rt = rt();
    let is_framing = |lower: &str| FRAMING_NAMES.contains(&lower);
    let starts_framing = |lower: &str| FRAMING_NAMES.iter().any(|n| n.starts_with(lower));
    let mut groups = Vec::new();
    for f in fields {
        match &f.kind {
            FieldKind::Value { name, .. } | FieldKind::Repeated { name, .. } => {
                if is_framing(&name.lower()) {
                    return quote!(false);
                }
            }
            FieldKind::Flatten { prefix, ty, .. } => {
                let lower = prefix.to_ascii_lowercase();
                if lower.is_empty() {
                    groups.push(quote_spanned!(at(ty)=> <#ty as #rt::Fields>::LEAVES_FRAMING));
                } else if starts_framing(&lower) {
                    return quote!(false);
                }
            }
            FieldKind::Indexed { .. } | FieldKind::IndexedGroup { .. } | FieldKind::Extra => {}
        }
    }
    quote!(true #(&& #groups)*)
}

/// One name that [`match_key`] tests for.
pub struct KeyTest {
    /// The name, ASCII lowercase.
    pub lower: String,
    /// Attributes of the test (the `#[cfg]`s of an enum variant).
    pub attrs: TokenStream,
    /// What runs when the key is that name.
    pub then: TokenStream,
}

/// A `match` on the length of `key` (an expression of type `&[u8]`), then
/// in each arm a test of the names of that length ignoring ASCII case
/// (`key_is`: a few masked word compares against the lowercase constant,
/// no lowercased copy of the key).
pub fn match_key(key: TokenStream, tests: Vec<KeyTest>) -> TokenStream {
    let sp = support();
    let mut by_len: BTreeMap<usize, Vec<TokenStream>> = BTreeMap::new();
    for KeyTest { lower, attrs, then } in tests {
        let lit = byte_lit(&lower);
        by_len.entry(lower.len()).or_default().push(quote! {
            #attrs
            if #sp::key_is(#key, #lit) {
                #then
            }
        });
    }
    if by_len.is_empty() {
        return TokenStream::new();
    }
    let arms = by_len
        .iter()
        .map(|(len, tests)| quote!(#len => { #(#tests)* }));
    quote! {
        match #key.len() {
            #(#arms)*
            _ => {}
        }
    }
}

/// `accept`: own fields first (by name, then the indexed names), then the
/// groups in declaration order.
fn accept_body(fields: &[Field]) -> TokenStream {
    let rt = rt();
    let sp = support();
    let mut out = TokenStream::new();

    let tests = fields
        .iter()
        .filter_map(|f| {
            let slot = f.ident;
            let (name, ty, helper) = match &f.kind {
                FieldKind::Value { name, ty, .. } => (name, ty, quote!(accept_value)),
                FieldKind::Repeated { name, ty } => (name, ty, quote!(accept_repeated)),
                _ => return None,
            };
            let then = quote_spanned! {at(ty)=>
                return #sp::#helper(&mut partial.#slot, header);
            };
            Some(KeyTest {
                lower: name.lower(),
                attrs: TokenStream::new(),
                then,
            })
        })
        .collect();
    out.extend(match_key(quote!(key), tests));

    for style in [IndexStyle::Dash6, IndexStyle::Paren] {
        let tests: Vec<_> = fields
            .iter()
            .filter_map(|f| match &f.kind {
                FieldKind::Indexed { name, style: s, ty } if *s == style => {
                    let slot = f.ident;
                    let then = quote_spanned! {at(ty)=>
                        return #sp::accept_indexed(&mut partial.#slot, index, header);
                    };
                    Some(KeyTest {
                        lower: name.lower(),
                        attrs: TokenStream::new(),
                        then,
                    })
                }
                _ => None,
            })
            .collect();
        if !tests.is_empty() {
            let style = style_tokens(style);
            let by_name = match_key(quote!(name), tests);
            out.extend(quote! {
                if let ::core::option::Option::Some((name, index, b"")) = #rt::split_index(key, #style) {
                    #by_name
                }
            });
        }
    }

    // The last group's answer is the struct's: returned as is (a tail
    // call), not matched on.
    let last_group = fields.iter().rposition(|f| {
        matches!(
            f.kind,
            FieldKind::Flatten { .. } | FieldKind::IndexedGroup { .. }
        )
    });
    let mut ends_in_call = false;
    for (i, f) in fields.iter().enumerate() {
        let slot = f.ident;
        let last = Some(i) == last_group;
        let call = match &f.kind {
            FieldKind::Flatten {
                prefix,
                optional,
                ty,
            } => {
                let lower = prefix.to_ascii_lowercase();
                let (key_expr, strip) = if lower.is_empty() {
                    (quote!(key), None)
                } else {
                    let lower = byte_lit(&lower);
                    (
                        quote!(rest),
                        Some(
                            quote!(::core::option::Option::Some(rest) = #sp::strip_key_prefix(key, #lower)),
                        ),
                    )
                };
                let accept = if *optional {
                    quote_spanned!(at(ty)=> #sp::accept_optional_group::<#ty>(&mut partial.#slot, #key_expr, header))
                } else {
                    quote_spanned!(at(ty)=> <#ty as #rt::Fields>::accept(&mut partial.#slot, #key_expr, header))
                };
                match strip {
                    Some(strip) => {
                        let call = try_group(&accept, last);
                        quote!(if let #strip { #call })
                    }
                    None if last => {
                        ends_in_call = true;
                        accept
                    }
                    None => try_group(&accept, false),
                }
            }
            FieldKind::IndexedGroup { style, ty } => {
                let style = style_tokens(*style);
                let accept = quote_spanned!(at(ty)=>
                    #sp::accept_indexed_group::<#ty>(&mut partial.#slot, #style, key, header)
                );
                if last {
                    ends_in_call = true;
                    accept
                } else {
                    try_group(&accept, false)
                }
            }
            _ => continue,
        };
        out.extend(call);
    }
    if !ends_in_call {
        // Through a call, as every other answer: the arms' calls are then
        // tail calls (a constant among them made the compiler merge the
        // answers and return after each call).
        out.extend(quote!(#sp::left()));
    }
    out
}

/// A group's `accept` call in a struct's: a group that leaves the header
/// lets the next one try; the last one's answer is returned as is.
fn try_group(accept: &TokenStream, last: bool) -> TokenStream {
    let rt = rt();
    if last {
        return quote!(return #accept;);
    }
    quote! {
        match #accept {
            #rt::Accepted::Left => {}
            accepted => return accepted,
        }
    }
}

/// `finish_into`: the struct built in `out`, field by field. First, in
/// declaration order, the steps that can fail (a required value missing, a
/// group incomplete), so that the error is the one `finish` always gave:
/// required values and optional or indexed groups into locals, groups
/// built in their own field (`finish_group_into`: no copy of the group),
/// which an error further on drops again. Then every other field is
/// written, so that `out` is whole.
fn finish_body(fields: &[Field]) -> TokenStream {
    let sp = support();
    let mut steps = TokenStream::new();
    let mut writes = TokenStream::new();
    // Groups built in place so far: dropped when a later step fails.
    let mut built: Vec<&syn::Ident> = Vec::new();
    for f in fields {
        let slot = f.ident;
        let local = format_ident!("__ami_{}", slot.unraw());
        let undo = built
            .iter()
            .map(|g| quote!(::core::ptr::drop_in_place(::core::ptr::addr_of_mut!((*place).#g));));
        let undo = if built.is_empty() {
            TokenStream::new()
        } else {
            quote! {
                // SAFETY: these groups were built in `out` by the steps above.
                unsafe { #(#undo)* }
            }
        };
        let fallible = match &f.kind {
            FieldKind::Value {
                name,
                optional: false,
                ..
            } => {
                let name = &name.value;
                Some(
                    quote!(#sp::finish_value(::core::mem::take(&mut partial.#slot), prefix, #name)),
                )
            }
            FieldKind::Flatten {
                prefix: group_prefix,
                optional: true,
                ty,
            } => Some(
                quote_spanned!(at(ty)=> #sp::finish_optional_group::<#ty>(&mut partial.#slot, prefix, #group_prefix)),
            ),
            FieldKind::IndexedGroup { style, ty } => {
                let style = style_tokens(*style);
                Some(
                    quote_spanned!(at(ty)=> #sp::finish_indexed_group::<#ty>(::core::mem::take(&mut partial.#slot), #style, prefix)),
                )
            }
            FieldKind::Flatten {
                prefix: group_prefix,
                optional: false,
                ty,
            } => {
                let build = quote_spanned!(at(ty)=>
                    #sp::finish_group_into::<#ty>(&mut partial.#slot, prefix, #group_prefix, ::core::ptr::addr_of_mut!((*place).#slot))
                );
                steps.extend(quote! {
                    // SAFETY: `place` is `out`, valid for writes, and this
                    // field of it holds nothing yet.
                    if let ::core::result::Result::Err(error) = unsafe { #build } {
                        #undo
                        return ::core::result::Result::Err(error);
                    }
                });
                built.push(slot);
                continue;
            }
            FieldKind::Value { optional: true, .. }
            | FieldKind::Repeated { .. }
            | FieldKind::Extra => {
                writes.extend(quote! {
                    #sp::move_slot(&mut partial.#slot, ::core::ptr::addr_of_mut!((*place).#slot));
                });
                continue;
            }
            FieldKind::Indexed { .. } => {
                writes.extend(quote! {
                    ::core::ptr::addr_of_mut!((*place).#slot).write(#sp::finish_indexed(::core::mem::take(&mut partial.#slot)));
                });
                continue;
            }
        };
        steps.extend(quote! {
            let #local = match #fallible {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(error) => {
                    #undo
                    return ::core::result::Result::Err(error);
                }
            };
        });
        writes.extend(quote! {
            ::core::ptr::addr_of_mut!((*place).#slot).write(#local);
        });
    }
    quote! {
        let place: *mut Self = out.as_mut_ptr();
        #steps
        // SAFETY: `place` is `out`, valid for writes; each field not built
        // in place above is written here, once, so every field of `Self`
        // now holds a value and `out` is initialised.
        unsafe {
            #writes
            ::core::result::Result::Ok(out.assume_init_mut())
        }
    }
}

/// The encoding table of the struct (a constant `__AMI_FIELDS`, beside the
/// impls, with an impl of `Constraints` when an action has constraints),
/// and `encode`: one call of the runtime's table loop with that table. The
/// table has an entry per field in declaration order, the extra headers
/// last, and first an entry that checks the constraints if there are any.
/// An entry names the field's offset (`offset_of!`) and its declared type,
/// which picks a writer compiled once per field type: nothing is compiled
/// per field. `Fields::ENCODE_TABLE` names the table too, for the
/// runtime's message writer.
fn encode_body(cont: &Container, derive: Derive) -> (TokenStream, TokenStream) {
    let (rt, sp) = (rt(), support());
    let ident = cont.ident;
    let checks = if derive == Derive::Action {
        constraint_checks(cont)
    } else {
        TokenStream::new()
    };
    let mut items = TokenStream::new();
    let mut entries = Vec::new();
    if !checks.is_empty() {
        items.extend(quote! {
            #[automatically_derived]
            impl #sp::Constraints for #ident {
                fn check(
                    &self,
                    enc: &#rt::Encoder<'_>,
                ) -> ::core::result::Result<(), ::std::boxed::Box<#rt::EncodeError>> {
                    #checks
                    ::core::result::Result::Ok(())
                }
            }
        });
        entries.push(quote!(#sp::Entry::constraints::<#ident>()));
    }
    let mut extra = None;
    for f in cont.fields() {
        let field = f.ident;
        // The declared type of the field: the writer reads the field as it.
        let ty = f.ty;
        let offset = quote!(::core::mem::offset_of!(#ident, #field));
        // Each value's head is its header name with `": "` already joined,
        // the bytes written before the value (one copy instead of two).
        let head = |name: &WireName| format!("{}: ", name.value);
        let entry = match &f.kind {
            FieldKind::Value {
                name,
                required,
                optional: false,
                ..
            } => {
                let head = head(name);
                quote_spanned!(at(ty)=> #sp::Entry::value::<#ty>(#head, #required, #offset))
            }
            FieldKind::Value {
                name,
                optional: true,
                ..
            } => {
                let head = head(name);
                quote_spanned!(at(ty)=> #sp::Entry::optional::<#ty>(#head, #offset))
            }
            FieldKind::Repeated { name, .. } => {
                let head = head(name);
                quote_spanned!(at(ty)=> #sp::Entry::repeated::<#ty>(#head, #offset))
            }
            FieldKind::Indexed { name, style, .. } => {
                let head = head(name);
                let style = style_tokens(*style);
                quote_spanned!(at(ty)=> #sp::Entry::indexed::<#ty>(#head, #style, #offset))
            }
            FieldKind::Flatten {
                prefix,
                optional: false,
                ..
            } => quote_spanned!(at(ty)=> #sp::Entry::group::<#ty>(#prefix, #offset)),
            FieldKind::Flatten {
                prefix,
                optional: true,
                ..
            } => quote_spanned!(at(ty)=> #sp::Entry::optional_group::<#ty>(#prefix, #offset)),
            FieldKind::IndexedGroup { style, .. } => {
                let style = style_tokens(*style);
                quote_spanned!(at(ty)=> #sp::Entry::indexed_group::<#ty>(#style, #offset))
            }
            FieldKind::Extra => {
                // Extra headers go last, wherever the field is declared.
                extra = Some(quote_spanned!(at(ty)=> #sp::Entry::extra::<#ty>(#offset)));
                continue;
            }
        };
        entries.push(entry);
    }
    entries.extend(extra);
    items.extend(quote! {
        // SAFETY: each entry is made from one field of this struct: its
        // offset (`offset_of!`) and its declared type, the type the entry's
        // writer reads at that offset (the constraints' entry: offset 0 and
        // this struct's type).
        const __AMI_FIELDS: #sp::FieldTable<#ident> =
            unsafe { #sp::FieldTable::new(&[#(#entries),*]) };
    });
    (items, quote!(__AMI_FIELDS.encode(self, enc)))
}

/// The constraint checks of an action (`Constraints::check`), run by the
/// first entry of its table so that a refused action writes nothing.
fn constraint_checks(cont: &Container) -> TokenStream {
    let sp = support();
    let mut out = TokenStream::new();
    for constraint in &cont.attrs.constraints {
        let fields: Vec<&Field> = constraint
            .fields
            .iter()
            .filter_map(|ident| cont.fields().iter().find(|f| f.ident == ident))
            .collect();
        let names: Vec<&str> = fields
            .iter()
            .filter_map(|f| match &f.kind {
                FieldKind::Value { name, .. }
                | FieldKind::Repeated { name, .. }
                | FieldKind::Indexed { name, .. } => Some(name.value.as_str()),
                _ => None,
            })
            .collect();
        let set = fields.iter().map(|f| {
            let field = f.ident;
            match f.kind {
                FieldKind::Value { .. } => quote!(self.#field.is_some()),
                _ => quote!(!self.#field.is_empty()),
            }
        });
        let (kind, rule) = match constraint.kind {
            ConstraintKind::ExactlyOne => (
                quote!(ExactlyOne),
                format!("exactly one of {}", names.join(", ")),
            ),
            ConstraintKind::AtMostOne => (
                quote!(AtMostOne),
                format!("at most one of {}", names.join(", ")),
            ),
            ConstraintKind::Together => (
                quote!(Together),
                format!("{} go together", names.join(", ")),
            ),
            ConstraintKind::Requires => (
                quote!(Requires),
                format!(
                    "{} requires {}",
                    names.first().copied().unwrap_or_default(),
                    names.get(1..).unwrap_or_default().join(", ")
                ),
            ),
        };
        out.extend(quote! {
            #sp::check_constraint(enc, #sp::Constraint::#kind, &[#(#set),*], #rule)?;
        });
    }
    out
}

fn unknown_headers_body(fields: &[Field]) -> TokenStream {
    let (rt, sp) = (rt(), support());
    let mut out = TokenStream::new();
    for f in fields {
        let field = f.ident;
        out.extend(match &f.kind {
            FieldKind::Extra => quote!(#sp::push_headers(out, &self.#field);),
            FieldKind::Flatten {
                optional: false,
                ty,
                ..
            } => quote!(<#ty as #rt::Fields>::unknown_headers(&self.#field, out);),
            FieldKind::Flatten {
                optional: true, ty, ..
            } => quote! {
                if let ::core::option::Option::Some(group) = &self.#field {
                    <#ty as #rt::Fields>::unknown_headers(group, out);
                }
            },
            FieldKind::IndexedGroup { ty, .. } => quote! {
                for entry in &self.#field {
                    <#ty as #rt::Fields>::unknown_headers(entry, out);
                }
            },
            _ => continue,
        });
    }
    out
}

/// The parameter type of a constructor argument or setter for a field of
/// type `ty`: the primitive number and `bool` types themselves, so that a
/// literal fits (`with_cause(16)`: an `impl Into<u64>` would refuse the
/// `i32` an unsuffixed literal defaults to), `impl Into<ty>` otherwise.
fn into_param(ty: &syn::Type) -> TokenStream {
    const PRIMITIVES: [&str; 15] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool",
    ];
    if let syn::Type::Path(path) = ty {
        if path.qself.is_none() && PRIMITIVES.iter().any(|p| path.path.is_ident(p)) {
            return quote!(#ty);
        }
    }
    quote!(impl ::core::convert::Into<#ty>)
}

/// `new()` taking the fields that have no empty value, and a `with_<field>`
/// setter for every field that has one.
fn constructors(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let fields = cont.fields();
    let params: Vec<_> = fields.iter().filter(|f| f.in_constructor()).collect();
    let args = params.iter().map(|f| {
        let (field, ty) = (f.ident, f.ty);
        let ty = into_param(ty);
        quote!(#field: #ty)
    });
    let inits = fields.iter().map(|f| {
        let field = f.ident;
        if f.in_constructor() {
            quote!(#field: ::core::convert::Into::into(#field))
        } else {
            quote!(#field: ::core::default::Default::default())
        }
    });
    let new_doc = if params.is_empty() {
        format!(" Creates an empty [`{ident}`]: every field is `None` or empty.")
    } else {
        let list: Vec<String> = params
            .iter()
            .map(|f| format!("`{}`", f.ident.unraw()))
            .collect();
        format!(
            " Creates a [`{ident}`] from its required fields ({}); every other field \
             is `None` or empty.",
            list.join(", ")
        )
    };
    let setters = fields.iter().filter(|f| !f.in_constructor()).map(|f| {
        let field = f.ident;
        let setter = format_ident!("with_{}", field.unraw());
        let docs = if f.docs.is_empty() {
            let doc = format!(" Sets `{}`.", field.unraw());
            quote!(#[doc = #doc])
        } else {
            let docs = &f.docs;
            quote!(#(#docs)*)
        };
        match &f.kind {
            FieldKind::Value { ty, .. } | FieldKind::Flatten { ty, .. } => {
                let param = into_param(ty);
                quote! {
                    #docs
                    #[must_use]
                    #[inline]
                    pub fn #setter(mut self, value: #param) -> Self {
                        self.#field =
                            ::core::option::Option::Some(::core::convert::Into::into(value));
                        self
                    }
                }
            }
            _ => {
                let ty = f.ty;
                quote! {
                    #docs
                    #[must_use]
                    #[inline]
                    pub fn #setter(mut self, value: #ty) -> Self {
                        self.#field = value;
                        self
                    }
                }
            }
        }
    });
    quote! {
        #[allow(dead_code, clippy::too_many_arguments)]
        impl #ident {
            #[doc = #new_doc]
            #[inline]
            pub fn new(#(#args),*) -> Self {
                Self {
                    #(#inits,)*
                }
            }

            #(#setters)*
        }
    }
}

fn event_impl(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let (rt, sp) = (rt(), support());
    let name = cont
        .attrs
        .event
        .as_ref()
        .map(|l| l.value())
        .unwrap_or_default();
    // A `UserEvent` subtype: selected by its `UserEvent` header too.
    let (user_event, accepts_message) = match &cont.attrs.user_event {
        Some(subtype) => (
            quote!(const USER_EVENT: ::core::option::Option<&'static str> = ::core::option::Option::Some(#subtype);),
            quote! {
                fn accepts_message<__AmiMsg: #rt::MessageView>(msg: &__AmiMsg, name: &str) -> bool {
                    #sp::accepts_user_event::<Self, __AmiMsg>(msg, name)
                }
            },
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    quote! {
        #[automatically_derived]
        impl #rt::Event for #ident {
            const NAME: &'static str = #name;
            #user_event
        }

        #[automatically_derived]
        impl #rt::FromEvent for #ident {
            #[inline]
            fn accepts(name: &str) -> bool {
                name.eq_ignore_ascii_case(#name)
            }

            #accepts_message

            fn from_event<__AmiMsg: #rt::MessageView>(
                msg: &__AmiMsg,
            ) -> ::core::result::Result<Self, #rt::DecodeError> {
                #sp::decode_event(msg)
            }

            fn from_named_event<__AmiMsg: #rt::MessageView>(
                msg: &__AmiMsg,
                name: &str,
            ) -> ::core::result::Result<Self, #rt::DecodeError> {
                #sp::decode_named_event(msg, name)
            }

            fn from_named_event_boxed<__AmiMsg: #rt::MessageView>(
                msg: &__AmiMsg,
                name: &str,
            ) -> ::core::result::Result<::std::boxed::Box<Self>, #rt::DecodeError> {
                #sp::decode_named_event_boxed(msg, name)
            }

            fn unknown_headers<'a>(&'a self, out: &mut ::std::vec::Vec<&'a #rt::Header>) {
                <Self as #rt::Fields>::unknown_headers(self, out)
            }
        }
    }
}

fn response_impl(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let rt = rt();
    quote! {
        #[automatically_derived]
        impl #rt::FromResponse for #ident {
            fn from_reply(
                reply: &#rt::Reply,
                action: &'static str,
            ) -> ::core::result::Result<Self, #rt::DecodeError> {
                #rt::decode_response(reply, action)
            }

            fn unknown_headers<'a>(&'a self, out: &mut ::std::vec::Vec<&'a #rt::Header>) {
                <Self as #rt::Fields>::unknown_headers(self, out)
            }
        }
    }
}

/// The runtime's `ResponseShape` for `shape` (`complete` is used by lists only).
pub fn shape_tokens(shape: Shape, complete: &str) -> TokenStream {
    let rt = rt();
    match shape {
        Shape::Single => quote!(#rt::ResponseShape::Single),
        Shape::List => quote!(#rt::ResponseShape::List { complete: #complete }),
        Shape::Command => quote!(#rt::ResponseShape::Command),
        Shape::Raw => quote!(#rt::ResponseShape::RawText),
        Shape::Goodbye => quote!(#rt::ResponseShape::Goodbye),
    }
}

/// The `Availability` of `since`, `deprecated` and `removed` (checked
/// already: an invalid value counts as absent).
fn availability_tokens(attrs: &ContainerAttrs) -> TokenStream {
    let parse = |lit: &Option<syn::LitStr>| {
        lit.as_ref()
            .and_then(|l| crate::internals::attr::versions(l).ok())
            .unwrap_or_default()
    };
    let version = |[a, b, c]: [u32; 3]| {
        let (a, b, c) = (
            Literal::u32_unsuffixed(a),
            Literal::u32_unsuffixed(b),
            Literal::u32_unsuffixed(c),
        );
        quote!(::ami_runtime::version::Version::new(#a, #b, #c))
    };
    let single = |lit: &Option<syn::LitStr>| match parse(lit).first() {
        Some(v) => {
            let v = version(*v);
            quote!(::core::option::Option::Some(#v))
        }
        None => quote!(::core::option::Option::None),
    };
    let since = parse(&attrs.since).into_iter().map(version);
    let (deprecated, removed) = (single(&attrs.deprecated), single(&attrs.removed));
    quote! {
        ::ami_runtime::version::Availability {
            since: &[#(#since),*],
            deprecated: #deprecated,
            removed: #removed,
        }
    }
}

/// The `Action` impl, and the inherent `from_message` (kept out of the
/// anonymous const so that rustdoc lists it with the constructors).
fn action_impl(cont: &Container) -> (TokenStream, TokenStream) {
    let ident = cont.ident;
    let rt = rt();
    let attrs = &cont.attrs;
    let name = attrs.action.as_ref().map(|l| l.value()).unwrap_or_default();
    let complete = attrs
        .complete
        .as_ref()
        .map(|l| l.value())
        .unwrap_or_default();
    let shape = shape_tokens(
        attrs.shape.as_ref().map_or(Shape::Single, |s| s.0),
        &complete,
    );
    let response = match &attrs.response {
        Some(ty) => quote!(#ty),
        None => quote!(#rt::Ack),
    };
    let availability = availability_tokens(attrs);
    let trait_impl = quote! {
        #[automatically_derived]
        impl #rt::Action for #ident {
            const NAME: &'static str = #name;
            const SHAPE: #rt::ResponseShape = #shape;
            const AVAILABILITY: ::ami_runtime::version::Availability<'static> = #availability;
            type Response = #response;
        }
    };
    let inherent = quote! {
        #[allow(dead_code)]
        impl #ident {
            /// Decodes this action from a request message (what a server, a
            /// mock or a capture reader sees); the `Action` header must name it.
            pub fn from_message(msg: &#rt::Message) -> ::core::result::Result<Self, #rt::DecodeError> {
                #rt::decode_action(msg)
            }
        }
    };
    (trait_impl, inherent)
}
