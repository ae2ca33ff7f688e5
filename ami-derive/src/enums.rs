//! Code generation for `#[derive(AmiEnum)]`: an enumeration of wire values
//! with an `Unknown` variant that keeps any other value as received.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::{Container, VariantKind};
use crate::structs::{rt, support};

/// Expand `AmiEnum`.
pub fn expand(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let (rt, sp) = (rt(), support());
    let values: Vec<_> = cont
        .variants()
        .iter()
        .filter_map(|v| match &v.kind {
            VariantKind::Value(name) => Some((v.ident, name.value.as_str(), &v.cfgs)),
            _ => None,
        })
        .collect();
    let unknown = cont
        .variants()
        .iter()
        .find(|v| matches!(v.kind, VariantKind::Unknown))
        .map(|v| v.ident);
    let Some(unknown) = unknown else {
        // `check` refuses an enum without one; nothing to generate.
        return TokenStream::new();
    };
    let wire: Vec<&str> = values.iter().map(|(_, w, _)| *w).collect();
    let expected = format!("one of {}", wire.join(", "));
    // Variant `i` is `VALUES[i]`: `value_index` finds the position.
    let parse_arms = values.iter().enumerate().map(|(i, (variant, _, cfgs))| {
        quote!(#(#cfgs)* ::core::option::Option::Some(#i) => Self::#variant,)
    });
    let str_arms = values
        .iter()
        .map(|(variant, wire, cfgs)| quote!(#(#cfgs)* Self::#variant => #wire,));
    // A known variant goes to the encoder as its spelling, text it checks
    // and copies itself; `Unknown`, which `check_wire` refuses, through
    // the general path that refuses it.
    let ref_arms = values.iter().map(
        |(variant, wire, cfgs)| quote!(#(#cfgs)* Self::#variant => #sp::ValueRef::Text(#wire),),
    );
    let values_doc = format!(
        " The wire values of [`{ident}`], in declaration order ([`{ident}::{unknown}`] excepted)."
    );
    let as_str_doc = format!(
        " The value as sent on the wire: its documented spelling, or for \
         [`{ident}::{unknown}`] the text as received."
    );
    quote! {
        #[automatically_derived]
        impl #rt::WireValue for #ident {
            const EXPECTED: &'static str = #expected;

            fn parse_wire(value: &str) -> ::core::result::Result<Self, #rt::ValueError> {
                <Self as #rt::WireValue>::decode(&#rt::RawHeader::new("", value))
            }

            fn decode(
                header: &#rt::RawHeader<'_>,
            ) -> ::core::result::Result<Self, #rt::ValueError> {
                // `Unknown` keeps the value as received: shared with the
                // frame when decoding from one.
                ::core::result::Result::Ok(match #sp::value_index(header.value, Self::VALUES) {
                    #(#parse_arms)*
                    _ => Self::#unknown(::core::convert::From::from(header.value_str())),
                })
            }

            fn write_wire(&self, out: &mut ::std::vec::Vec<u8>) {
                #sp::write_text(out, self.as_str());
            }

            // One test, not an arm per known value: only `Unknown` is refused.
            fn check_wire(&self) -> ::core::result::Result<(), #rt::ValueError> {
                if let Self::#unknown(value) = self {
                    return ::core::result::Result::Err(#sp::unknown_value(
                        value,
                        <Self as #rt::WireValue>::EXPECTED,
                    ));
                }
                ::core::result::Result::Ok(())
            }

            fn is_blank(&self) -> bool {
                self.as_str().trim().is_empty()
            }

            #[inline]
            fn wire_ref(&self) -> #sp::ValueRef<'_> {
                match self {
                    #(#ref_arms)*
                    Self::#unknown(_) => #sp::ValueRef::Other(self),
                }
            }
        }

        #[allow(dead_code)]
        impl #ident {
            #[doc = #values_doc]
            pub const VALUES: &'static [&'static str] = &[#(#wire),*];

            #[doc = #as_str_doc]
            pub fn as_str(&self) -> &str {
                match self {
                    #(#str_arms)*
                    Self::#unknown(value) => value,
                }
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}
