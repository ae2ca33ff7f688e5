//! Code generation for `#[derive(AmiEvents)]`: an enum over several events,
//! dispatching on the `Event` header with one `match` on its length, then
//! names compared ignoring ASCII case (and for a `UserEvent` subtype, its
//! `UserEvent` header); what no variant takes goes to the `unknown` or
//! `fallback` variant.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::{Container, VariantKind};
use crate::structs::{match_key, rt, support, KeyTest};

/// Expand `AmiEvents`.
pub fn expand(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let (rt, sp) = (rt(), support());
    // Subtype variants first: of two variants called `UserEvent`, the one
    // selected by its `UserEvent` header is tried before the one that takes
    // any `UserEvent`.
    let mut events: Vec<_> = cont
        .variants()
        .iter()
        .filter_map(|v| match &v.kind {
            VariantKind::Event {
                name,
                ty,
                user_event,
            } => {
                let cfgs = &v.cfgs;
                Some(EventVariant {
                    variant: v.ident,
                    name: name.value.as_str(),
                    ty,
                    subtype: user_event.as_ref().map(|l| l.value()),
                    cfgs: quote!(#(#cfgs)*),
                })
            }
            _ => None,
        })
        .collect();
    events.sort_by_key(|e| e.subtype.is_none());
    let unknown = cont
        .variants()
        .iter()
        .find(|v| matches!(v.kind, VariantKind::Unknown));
    let fallback = cont.variants().iter().find_map(|v| match &v.kind {
        VariantKind::Fallback { ty } => Some((v, *ty)),
        _ => None,
    });
    let has_subtypes = events.iter().any(|e| e.subtype.is_some());

    // `then` runs when the name matches and, for a subtype, the
    // `UserEvent` header does too.
    let name_tests = |then: &dyn Fn(&EventVariant) -> TokenStream, subtypes: bool| {
        let tests = events
            .iter()
            .map(|e| {
                let run = then(e);
                let then = match (&e.subtype, subtypes) {
                    (Some(subtype), true) => quote! {
                        if #sp::user_event_is(msg, #subtype) {
                            #run
                        }
                    },
                    _ => run,
                };
                KeyTest {
                    lower: e.name.to_ascii_lowercase(),
                    attrs: e.cfgs.clone(),
                    then,
                }
            })
            .collect();
        match_key(quote!(name.as_bytes()), tests)
    };

    let otherwise = |method: TokenStream| match (unknown, fallback) {
        (Some(_), _) => quote!(true),
        (None, Some((_, ty))) => quote!(<#ty as #rt::FromEvent>::#method),
        (None, None) => quote!(false),
    };
    let accepts = if unknown.is_some() {
        quote!(true)
    } else {
        let by_name = name_tests(&|_| quote!(return true;), false);
        let rest = otherwise(quote!(accepts(name)));
        quote! {
            #by_name
            #rest
        }
    };
    // The name alone decides unless a variant is a subtype or another enum.
    let accepts_message = if has_subtypes || fallback.is_some() {
        let by_name = name_tests(&|_| quote!(return true;), true);
        let rest = otherwise(quote!(accepts_message(msg, name)));
        quote! {
            fn accepts_message<__AmiMsg: #rt::MessageView>(msg: &__AmiMsg, name: &str) -> bool {
                #by_name
                #rest
            }
        }
    } else {
        TokenStream::new()
    };

    let decode_by_name = name_tests(
        &|e| {
            let (ty, variant) = (e.ty, e.variant);
            quote! {
                return <#ty as #rt::FromEvent>::from_named_event(msg, name).map(Self::#variant);
            }
        },
        true,
    );
    let fallback_decode = match (unknown, fallback) {
        (Some(v), _) => {
            let variant = v.ident;
            quote!(::core::result::Result::Ok(Self::#variant(#rt::MessageView::to_message(msg))))
        }
        (None, Some((v, ty))) => {
            let variant = v.ident;
            quote!(<#ty as #rt::FromEvent>::from_named_event(msg, name).map(Self::#variant))
        }
        (None, None) => {
            let names: Vec<String> = events
                .iter()
                .map(|e| match &e.subtype {
                    Some(s) => format!("{} ({s})", e.name),
                    None => e.name.to_owned(),
                })
                .collect();
            let expected = format!("one of {}", names.join(", "));
            quote!(::core::result::Result::Err(#sp::unexpected_event(name, #expected)))
        }
    };

    let name_arms = events.iter().map(|e| {
        let (variant, name, cfgs) = (e.variant, e.name, &e.cfgs);
        quote!(#cfgs Self::#variant(_) => #name,)
    });
    let unknown_arms = events.iter().map(|e| {
        let (variant, ty, cfgs) = (e.variant, e.ty, &e.cfgs);
        quote!(#cfgs Self::#variant(event) => <#ty as #rt::FromEvent>::unknown_headers(event, out),)
    });
    // A boxed event is encoded as the event it holds: no `Fields` impl of
    // `Box<T>` compiled per event.
    let encode_arms = events.iter().map(|e| {
        let (variant, cfgs) = (e.variant, &e.cfgs);
        let event = if std::ptr::eq(unboxed(e.ty), e.ty) {
            quote!(event)
        } else {
            quote!(&**event)
        };
        quote!(#cfgs Self::#variant(event) => #rt::encode_event(#event, out),)
    });
    let (rest_name, rest_headers, rest_encode) = match (unknown, fallback) {
        (Some(v), _) => {
            let (variant, cfgs) = (v.ident, &v.cfgs);
            (
                quote!(#(#cfgs)* Self::#variant(msg) => msg.get("Event").unwrap_or_default(),),
                // No field recognised any header of an event nobody knows.
                quote!(#(#cfgs)* Self::#variant(msg) => out.extend(&msg.headers),),
                quote!(#(#cfgs)* Self::#variant(msg) => #rt::encode_event_message(msg, out),),
            )
        }
        (None, Some((v, ty))) => {
            let variant = v.ident;
            (
                quote!(Self::#variant(event) => event.name(),),
                quote!(Self::#variant(event) => <#ty as #rt::FromEvent>::unknown_headers(event, out),),
                quote!(Self::#variant(event) => event.encode(out),),
            )
        }
        (None, None) => (TokenStream::new(), TokenStream::new(), TokenStream::new()),
    };
    let name_doc = if unknown.is_some() || fallback.is_some() {
        " The wire name of the event (its `Event` header)."
    } else {
        " The wire name of the event."
    };

    quote! {
        #[automatically_derived]
        impl #rt::FromEvent for #ident {
            fn accepts(name: &str) -> bool {
                #accepts
            }

            #accepts_message

            fn from_event<__AmiMsg: #rt::MessageView>(
                msg: &__AmiMsg,
            ) -> ::core::result::Result<Self, #rt::DecodeError> {
                let name = #sp::event_name(msg)?;
                <Self as #rt::FromEvent>::from_named_event(msg, name)
            }

            // The `Event` header is read once, here or by an enclosing
            // enum, and its value handed down to the variant.
            fn from_named_event<__AmiMsg: #rt::MessageView>(
                msg: &__AmiMsg,
                name: &str,
            ) -> ::core::result::Result<Self, #rt::DecodeError> {
                #decode_by_name
                #fallback_decode
            }

            fn unknown_headers<'a>(&'a self, out: &mut ::std::vec::Vec<&'a #rt::Header>) {
                match self {
                    #(#unknown_arms)*
                    #rest_headers
                }
            }
        }

        #[allow(dead_code)]
        impl #ident {
            #[doc = #name_doc]
            pub fn name(&self) -> &str {
                match self {
                    #(#name_arms)*
                    #rest_name
                }
            }

            /// Write the event in wire form (`Event:`, its fields, a blank
            /// line) at the end of `out`, as a server sends it; `out` is
            /// left as it was when a value is refused.
            pub fn encode(
                &self,
                out: &mut ::std::vec::Vec<u8>,
            ) -> ::core::result::Result<(), #rt::EncodeError> {
                match self {
                    #(#encode_arms)*
                    #rest_encode
                }
            }
        }
    }
}

/// A variant that holds one event struct (or a box of one).
struct EventVariant<'a> {
    variant: &'a syn::Ident,
    /// The `Event` header value.
    name: &'a str,
    ty: &'a syn::Type,
    /// The `UserEvent` header value of a `UserEvent` subtype.
    subtype: Option<String>,
    /// The variant's `#[cfg]`s.
    cfgs: TokenStream,
}

/// `T` for `Box<T>` (written `Box<T>` or with a path to `Box`), else `ty`.
pub(crate) fn unboxed(ty: &syn::Type) -> &syn::Type {
    if let syn::Type::Path(path) = ty {
        if let Some(last) = path.path.segments.last() {
            if last.ident == "Box" {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    if let [syn::GenericArgument::Type(inner)] =
                        args.args.iter().collect::<Vec<_>>().as_slice()
                    {
                        return inner;
                    }
                }
            }
        }
    }
    ty
}
