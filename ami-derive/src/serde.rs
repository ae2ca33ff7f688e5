//! `Serialize` and `Deserialize` for every derive, emitted inside
//! `::ami_runtime::__if_serde! { ... }` so that the `serde` feature of the
//! runtime decides whether they exist (in whatever crate the derive runs).
//!
//! Per struct the output is small and mostly non-generic: `ser_fields`, one
//! call that hands the fields (as `dyn` references, a list per kind of
//! field) to the runtime's loop, a static table of keys, wire names and JSON
//! types, and two one-line trait impls that call
//! the runtime's generic adapters (`serialize_fields`,
//! `deserialize_fields`). Deserializing goes through the type's existing
//! decoder, so the JSON form accepts what the wire form accepts, with the
//! JSON types checked first. The shape is documented in `ami-generated`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::internals::ast::{Container, FieldKind, VariantKind};
use crate::internals::attr::IndexStyle;
use crate::internals::Derive;

fn ss() -> TokenStream {
    quote!(::ami_runtime::wire::serde_support)
}

fn serde() -> TokenStream {
    quote!(::ami_runtime::__serde)
}

fn style(style: IndexStyle) -> TokenStream {
    match style {
        IndexStyle::Dash6 => quote!(::ami_runtime::wire::IndexStyle::Dash6),
        IndexStyle::Paren => quote!(::ami_runtime::wire::IndexStyle::Paren),
    }
}

/// The serde impls of `derive` on `cont` (already checked).
pub fn expand(cont: &Container, derive: Derive) -> TokenStream {
    let body = match derive {
        Derive::Enum => enum_impls(cont),
        Derive::Events => events_impls(cont),
        _ => struct_impls(cont),
    };
    if body.is_empty() {
        return body;
    }
    quote! {
        ::ami_runtime::__if_serde! {
            const _: () = {
                #body
            };
        }
    }
}

fn struct_impls(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let (ss, serde) = (ss(), serde());
    // `ser_fields` is one call: the table gives each field's key and kind,
    // the slots the field values behind a `dyn` (a list per kind, in
    // declaration order), and the loop over both is compiled once in the
    // runtime (`ser_table`).
    let (mut values, mut lists, mut groups, mut group_lists) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut extra = quote!(&[]);
    let mut table = Vec::new();
    for f in cont.fields() {
        let field = f.ident;
        let key = field.unraw().to_string();
        let spec = match &f.kind {
            FieldKind::Value { name, ty, .. } => {
                let wire = &name.value;
                values.push(quote_spanned!(ty.span()=> &self.#field));
                quote!(#ss::SpecKind::Value {
                    wire: #wire,
                    json: <#ty as #ss::SerdeValue>::KIND,
                })
            }
            FieldKind::Repeated { name, ty } => {
                let wire = &name.value;
                lists.push(quote!(&self.#field));
                quote!(#ss::SpecKind::Repeated {
                    wire: #wire,
                    json: <#ty as #ss::SerdeValue>::KIND,
                })
            }
            FieldKind::Indexed { name, style: s, ty } => {
                let (wire, s) = (&name.value, style(*s));
                lists.push(quote!(&self.#field));
                quote!(#ss::SpecKind::Indexed {
                    wire: #wire,
                    style: #s,
                    json: <#ty as #ss::SerdeValue>::KIND,
                })
            }
            FieldKind::Flatten { prefix, ty, .. } => {
                let fields = quote!(<#ty as #ss::SerFields>::table);
                groups.push(quote_spanned!(ty.span()=> &self.#field));
                if prefix.is_empty() {
                    quote!(#ss::SpecKind::Flatten { fields: #fields })
                } else {
                    quote!(#ss::SpecKind::Prefixed { prefix: #prefix, fields: #fields })
                }
            }
            FieldKind::IndexedGroup { style: s, ty } => {
                let s = style(*s);
                group_lists.push(quote!(&self.#field));
                quote!(#ss::SpecKind::Groups {
                    style: #s,
                    fields: <#ty as #ss::SerFields>::table,
                })
            }
            FieldKind::Extra => {
                extra = quote!(&self.#field);
                quote!(#ss::SpecKind::Extra)
            }
        };
        table.push(quote!(#ss::FieldSpec { key: #key, kind: #spec }));
    }
    quote! {
        #[automatically_derived]
        impl #ss::SerFields for #ident {
            fn ser_fields(&self, sink: &mut dyn #ss::FieldSink) {
                #ss::ser_table(
                    sink,
                    <Self as #ss::SerFields>::table(),
                    &#ss::SerSlots {
                        values: &[#(#values),*],
                        lists: &[#(#lists),*],
                        groups: &[#(#groups),*],
                        group_lists: &[#(#group_lists),*],
                        extra: #extra,
                    },
                );
            }

            fn table() -> &'static [#ss::FieldSpec] {
                static TABLE: &[#ss::FieldSpec] = &[#(#table),*];
                TABLE
            }
        }

        #[automatically_derived]
        impl #serde::Serialize for #ident {
            fn serialize<__S: #serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                #ss::serialize_fields(self, serializer)
            }
        }

        #[automatically_derived]
        impl<'de> #serde::Deserialize<'de> for #ident {
            fn deserialize<__D: #serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                #ss::deserialize_fields(deserializer)
            }
        }
    }
}

fn enum_impls(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let (ss, serde) = (ss(), serde());
    if !cont
        .variants()
        .iter()
        .any(|v| matches!(v.kind, VariantKind::Unknown))
    {
        // `check` refuses such an enum; `enums` generates nothing either.
        return TokenStream::new();
    }
    quote! {
        #[automatically_derived]
        impl #ss::SerdeValue for #ident {
            const KIND: #ss::JsonKind = #ss::JsonKind::Str;
            fn value_ref(&self) -> #ss::ValueRef<'_> {
                #ss::ValueRef::Str(self.as_str())
            }
        }

        #[automatically_derived]
        impl #serde::Serialize for #ident {
            fn serialize<__S: #serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[automatically_derived]
        impl<'de> #serde::Deserialize<'de> for #ident {
            fn deserialize<__D: #serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                #ss::deserialize_wire_value(deserializer)
            }
        }
    }
}

fn events_impls(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let (ss, serde) = (ss(), serde());
    let mut ser_arms = TokenStream::new();
    let mut de_tests = TokenStream::new();
    let mut unknown_de = None;
    let mut names = Vec::new();
    for v in cont.variants() {
        let (variant, cfgs) = (v.ident, &v.cfgs);
        match &v.kind {
            VariantKind::Event {
                name,
                ty,
                user_event,
            } => {
                // A `UserEvent` subtype is tagged `UserEvent(<subtype>)`, so
                // that it reads back as itself, not as the plain `UserEvent`.
                let wire = match user_event {
                    None => name.value.clone(),
                    Some(subtype) => format!("{}({})", name.value, subtype.value()),
                };
                let wire = &wire;
                names.push(wire.clone());
                ser_arms.extend(quote! {
                    #(#cfgs)*
                    Self::#variant(event) => #ss::serialize_tagged(#wire, &#ss::FieldsSer(event), serializer),
                });
                // The tree goes through the enum's own decoder, as a
                // message would: one decoding path per enum, none per event,
                // and a table entry per event rather than a test and a call.
                let event = &name.value;
                // The table of a boxed event is the event's: naming it
                // spares a `Box<T>::table` function per event.
                let table_ty = crate::events::unboxed(ty);
                let subtype = match user_event {
                    None => quote!(::core::option::Option::None),
                    Some(subtype) => quote!(::core::option::Option::Some(#subtype)),
                };
                de_tests.extend(quote! {
                    #(#cfgs)*
                    #ss::TreeEvent {
                        tag: #wire,
                        event: #event,
                        user_event: #subtype,
                        fields: <#table_ty as #ss::SerFields>::table,
                    },
                });
            }
            VariantKind::Unknown => {
                let tag = variant.unraw().to_string();
                ser_arms.extend(quote! {
                    #(#cfgs)*
                    Self::#variant(msg) => #ss::serialize_tagged(#tag, msg, serializer),
                });
                unknown_de = Some(quote! {
                    #(#cfgs)*
                    if name == #tag {
                        return #ss::from_tree(tree).map(Self::#variant);
                    }
                });
            }
            VariantKind::Fallback { ty } => {
                // The other enum serializes (and is tried last to
                // deserialize) with its own tags.
                ser_arms.extend(quote! {
                    #(#cfgs)*
                    Self::#variant(other) => #serde::Serialize::serialize(other, serializer),
                });
                unknown_de = Some(quote! {
                    #(#cfgs)*
                    {
                        return <#ty>::__ami_from_tree(name, tree).map(Self::#variant);
                    }
                });
            }
            VariantKind::Value(_) => {}
        }
    }
    let expected = if names.len() <= 8 {
        format!("one of {}", names.join(", "))
    } else {
        "an event of the spec".to_owned()
    };
    quote! {
        #[automatically_derived]
        impl #serde::Serialize for #ident {
            fn serialize<__S: #serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                match self {
                    #ser_arms
                }
            }
        }

        #[automatically_derived]
        impl<'de> #serde::Deserialize<'de> for #ident {
            fn deserialize<__D: #serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                let (name, tree) = #ss::tagged_tree(deserializer)?;
                Self::__ami_from_tree(&name, tree).map_err(<__D::Error as #serde::de::Error>::custom)
            }
        }

        impl #ident {
            #[doc(hidden)]
            #[allow(unreachable_code)] // after a fallback enum, which takes every name
            pub fn __ami_from_tree(
                name: &str,
                tree: #ss::Tree,
            ) -> ::core::result::Result<Self, ::std::string::String> {
                static EVENTS: &[#ss::TreeEvent] = &[#de_tests];
                if let ::core::option::Option::Some(event) = #ss::tree_event(EVENTS, name) {
                    return #ss::event_from_tree::<Self>(
                        event.event,
                        event.user_event,
                        (event.fields)(),
                        tree,
                    );
                }
                #unknown_de
                ::core::result::Result::Err(::std::format!(
                    "unknown event `{}`: expected {}", name, #expected
                ))
            }
        }
    }
}
