//! Code generation for `#[derive(AmiEvents)]`: an enum over several events,
//! dispatching on the `Event` header with one `match` on its length, then
//! names compared ignoring ASCII case.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::{Container, VariantKind};
use crate::structs::{match_key, rt, support, KeyTest};

/// Expand `AmiEvents`.
pub fn expand(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let (rt, sp) = (rt(), support());
    let events: Vec<_> = cont
        .variants()
        .iter()
        .filter_map(|v| match &v.kind {
            VariantKind::Event { name, ty } => Some((v.ident, name.value.as_str(), *ty, &v.cfgs)),
            _ => None,
        })
        .collect();
    let unknown = cont
        .variants()
        .iter()
        .find(|v| matches!(v.kind, VariantKind::Unknown));

    let accepts = if unknown.is_some() {
        quote!(true)
    } else {
        let tests = events
            .iter()
            .map(|(_, name, _, cfgs)| KeyTest {
                lower: name.to_ascii_lowercase(),
                attrs: quote!(#(#cfgs)*),
                then: quote!(return true;),
            })
            .collect();
        let by_name = match_key(quote!(name.as_bytes()), tests);
        quote! {
            #by_name
            false
        }
    };

    let decode_tests = events
        .iter()
        .map(|(variant, name, ty, cfgs)| KeyTest {
            lower: name.to_ascii_lowercase(),
            attrs: quote!(#(#cfgs)*),
            then: quote! {
                return <#ty as #rt::FromEvent>::from_named_event(msg, name).map(Self::#variant);
            },
        })
        .collect();
    let decode_by_name = match_key(quote!(name.as_bytes()), decode_tests);
    let fallback = match unknown {
        Some(v) => {
            let variant = v.ident;
            quote!(::core::result::Result::Ok(Self::#variant(#rt::MessageView::to_message(msg))))
        }
        None => {
            let names: Vec<&str> = events.iter().map(|(_, n, _, _)| *n).collect();
            let expected = format!("one of {}", names.join(", "));
            quote!(::core::result::Result::Err(#sp::unexpected_event(name, #expected)))
        }
    };

    let name_arms = events
        .iter()
        .map(|(variant, name, _, cfgs)| quote!(#(#cfgs)* Self::#variant(_) => #name,));
    let unknown_arms = events.iter().map(|(variant, _, ty, cfgs)| {
        quote!(#(#cfgs)* Self::#variant(event) => <#ty as #rt::FromEvent>::unknown_headers(event, out),)
    });
    let encode_arms = events.iter().map(|(variant, _, _, cfgs)| {
        quote!(#(#cfgs)* Self::#variant(event) => #rt::encode_event(event, out),)
    });
    let encode_unknown = match unknown {
        Some(v) => {
            let (variant, cfgs) = (v.ident, &v.cfgs);
            quote!(#(#cfgs)* Self::#variant(msg) => #rt::encode_event_message(msg, out),)
        }
        None => TokenStream::new(),
    };
    let (unknown_name, unknown_headers) = match unknown {
        Some(v) => {
            let (variant, cfgs) = (v.ident, &v.cfgs);
            (
                quote!(#(#cfgs)* Self::#variant(msg) => msg.get("Event").unwrap_or_default(),),
                // No field recognised any header of an event nobody knows.
                quote!(#(#cfgs)* Self::#variant(msg) => out.extend(&msg.headers),),
            )
        }
        None => (TokenStream::new(), TokenStream::new()),
    };
    let name_doc = if unknown.is_some() {
        " The wire name of the event (for an unknown event, its `Event` header)."
    } else {
        " The wire name of the event."
    };

    quote! {
        #[automatically_derived]
        impl #rt::FromEvent for #ident {
            fn accepts(name: &str) -> bool {
                #accepts
            }

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
                #fallback
            }

            fn unknown_headers<'a>(&'a self, out: &mut ::std::vec::Vec<&'a #rt::Header>) {
                match self {
                    #(#unknown_arms)*
                    #unknown_headers
                }
            }
        }

        #[allow(dead_code)]
        impl #ident {
            #[doc = #name_doc]
            pub fn name(&self) -> &str {
                match self {
                    #(#name_arms)*
                    #unknown_name
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
                    #encode_unknown
                }
            }
        }
    }
}
