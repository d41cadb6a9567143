//! `#[espace_testkit::test]`: an ordinary, rustfmt-formatted
//! `async fn name(engine: Engine)` becomes a module `name` with two tests,
//! `name::sqlite` and `name::postgres`, each on a fresh database of its
//! engine (DESIGN §6). The README's test command selects the engines by
//! those names.

use proc_macro::TokenStream;
use quote::quote;
use syn::{FnArg, ItemFn, parse_macro_input};

#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[espace_testkit::test] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let f = parse_macro_input!(item as ItemFn);
    let shape_error = |span, message: &str| -> TokenStream {
        syn::Error::new(span, message).to_compile_error().into()
    };
    if f.sig.asyncness.is_none() {
        return shape_error(f.sig.fn_token.span, "a test on both engines is an async fn");
    }
    if f.sig.inputs.len() != 1 || !matches!(f.sig.inputs.first(), Some(FnArg::Typed(_))) {
        return shape_error(
            f.sig.paren_token.span.join(),
            "a test on both engines takes one argument: the engine",
        );
    }
    let name = &f.sig.ident;
    let attrs = &f.attrs;
    let mut run = f.clone();
    run.attrs.clear();
    run.sig.ident = syn::Ident::new("run", name.span());
    quote! {
        #(#attrs)*
        mod #name {
            #[allow(unused_imports)]
            use super::*;

            #run

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(::espace_testkit::Engine::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(::espace_testkit::Engine::Postgres).await
            }
        }
    }
    .into()
}
