//! The one entry point of every derive: build the model, check it, then
//! generate code, or on any error emit every error plus a fallback impl.

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::internals::ast::Container;
use crate::internals::ctxt::Ctxt;
use crate::internals::{check, Derive};
use crate::{enums, events, fallback, serde, structs};

/// Expand `derive` on `input`.
pub fn derive(input: &DeriveInput, derive: Derive) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input, derive);
    if let Some(cont) = &cont {
        check::check(&cx, cont, derive);
    }
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => {
            let mut out = match derive {
                Derive::Enum => enums::expand(&cont),
                Derive::Events => events::expand(&cont),
                _ => structs::expand(&cont, derive),
            };
            // `Serialize` and `Deserialize`, when the runtime's `serde`
            // feature is on (a module of their own: see `serde`).
            out.extend(serde::expand(&cont, derive));
            out
        }
        (result, cont) => {
            let mut out = result
                .err()
                .map(|e| e.to_compile_error())
                .unwrap_or_default();
            out.extend(fallback::expand(input, derive, cont.as_ref()));
            out
        }
    }
}
