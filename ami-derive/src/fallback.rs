//! What a derive emits beside its errors: impls of the traits it would have
//! implemented, with bodies that never run (the crate does not compile), so
//! that code using the type reports no follow-up error about a missing trait
//! or method. Same idea as thiserror's `fallback.rs`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::internals::ast::Container;
use crate::internals::Derive;
use crate::structs::rt;

/// The fallback impls of `derive` for `input`; `cont` is the model, when the
/// input got that far.
pub fn expand(input: &DeriveInput, derive: Derive, cont: Option<&Container>) -> TokenStream {
    let ident = &input.ident;
    let rt = rt();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let head =
        |tr: TokenStream| quote!(impl #impl_generics #tr for #ident #ty_generics #where_clause);
    let inherent =
        quote!(#[allow(dead_code)] impl #impl_generics #ident #ty_generics #where_clause);
    let fields = head(quote!(#rt::Fields));
    let fields_impl = quote! {
        #fields {
            type Partial = ();
            fn accept(
                _: &mut (),
                _: &[u8],
                _: &#rt::RawHeader<'_>,
            ) -> #rt::Accepted {
                ::core::unimplemented!()
            }
            fn finish(_: &mut (), _: &str) -> ::core::result::Result<Self, #rt::FieldError> {
                ::core::unimplemented!()
            }
            fn encode(&self, _: &mut #rt::Encoder<'_>) -> ::core::result::Result<(), #rt::EncodeError> {
                ::core::unimplemented!()
            }
        }
    };
    let from_event = head(quote!(#rt::FromEvent));
    let from_event_impl = quote! {
        #from_event {
            fn accepts(_: &str) -> bool {
                ::core::unimplemented!()
            }
            fn from_event<__AmiMsg: #rt::MessageView>(
                _: &__AmiMsg,
            ) -> ::core::result::Result<Self, #rt::DecodeError> {
                ::core::unimplemented!()
            }
        }
    };
    match derive {
        Derive::Fields => fields_impl,
        Derive::Event => {
            let event = head(quote!(#rt::Event));
            quote! {
                #fields_impl
                #from_event_impl
                #event {
                    const NAME: &'static str = "";
                }
            }
        }
        Derive::Response => {
            let from_response = head(quote!(#rt::FromResponse));
            quote! {
                #fields_impl
                #from_response {
                    fn from_reply(
                        _: &#rt::Reply,
                        _: &'static str,
                    ) -> ::core::result::Result<Self, #rt::DecodeError> {
                        ::core::unimplemented!()
                    }
                }
            }
        }
        Derive::Action => {
            let action = head(quote!(#rt::Action));
            let response = match cont.and_then(|c| c.attrs.response.as_ref()) {
                Some(ty) => quote!(#ty),
                None => quote!(#rt::Ack),
            };
            quote! {
                #fields_impl
                #action {
                    const NAME: &'static str = "";
                    const SHAPE: #rt::ResponseShape = #rt::ResponseShape::Single;
                    type Response = #response;
                }
                #inherent {
                    /// Not available: the derive failed.
                    pub fn from_message(_: &#rt::Message) -> ::core::result::Result<Self, #rt::DecodeError> {
                        ::core::unimplemented!()
                    }
                }
            }
        }
        Derive::Enum => {
            let wire_value = head(quote!(#rt::WireValue));
            let display = head(quote!(::core::fmt::Display));
            quote! {
                #wire_value {
                    const EXPECTED: &'static str = "";
                    fn parse_wire(_: &str) -> ::core::result::Result<Self, #rt::ValueError> {
                        ::core::unimplemented!()
                    }
                    fn write_wire(&self, _: &mut ::std::vec::Vec<u8>) {
                        ::core::unimplemented!()
                    }
                }
                #display {
                    fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        ::core::unimplemented!()
                    }
                }
                #inherent {
                    /// Not available: the derive failed.
                    pub const VALUES: &'static [&'static str] = &[];
                    /// Not available: the derive failed.
                    pub fn as_str(&self) -> &str {
                        ::core::unimplemented!()
                    }
                }
            }
        }
        Derive::Events => quote! {
            #from_event_impl
            #inherent {
                /// Not available: the derive failed.
                pub fn name(&self) -> &str {
                    ::core::unimplemented!()
                }
            }
        },
    }
}
