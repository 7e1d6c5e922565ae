//! The attribute macros of leash's Kani stand-in (`proofs/kani-shim/kani`): `#[kani::proof]`
//! and `#[kani::unwind(n)]`, with the checks Kani's compiler makes on them. They leave the
//! function as it is; nothing is verified.

use proc_macro::{Delimiter, Spacing, TokenStream, TokenTree};

/// Marks a proof harness (Kani's `#[kani::proof]`). Kani requires a function with no
/// arguments and no type or const parameters, and the attribute takes no arguments.
#[proc_macro_attribute]
pub fn proof(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return error("#[kani::proof] takes no arguments", item);
    }
    match harness_signature(&item) {
        Ok(()) => {
            let mut out: TokenStream = "#[allow(dead_code)]".parse().expect("a valid attribute");
            out.extend(item);
            out
        }
        Err(message) => error(&message, item),
    }
}

/// Sets a harness's loop unwinding bound (Kani's `#[kani::unwind(n)]`): one integer literal
/// that fits in a `u32`, on a function.
#[proc_macro_attribute]
pub fn unwind(attr: TokenStream, item: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = attr.into_iter().collect();
    let bound = match tokens.as_slice() {
        [TokenTree::Literal(literal)] => parse_u32(&literal.to_string()),
        _ => None,
    };
    if bound.is_none() {
        let written: String = tokens.iter().map(ToString::to_string).collect();
        return error(
            &format!(
                "#[kani::unwind] takes one integer literal of at most u32::MAX, not `{written}`"
            ),
            item,
        );
    }
    if function_name(&item).is_none() {
        return error("#[kani::unwind] belongs on a function", item);
    }
    item
}

/// An unsuffixed or `u32`-suffixed decimal literal, with `_` separators, as a `u32`.
fn parse_u32(literal: &str) -> Option<u32> {
    let digits = literal.strip_suffix("u32").unwrap_or(literal).replace('_', "");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The name of the function `item` declares, if it declares one.
fn function_name(item: &TokenStream) -> Option<String> {
    let mut tokens = item.clone().into_iter();
    while let Some(token) = tokens.next() {
        if matches!(&token, TokenTree::Ident(ident) if ident.to_string() == "fn") {
            return match tokens.next() {
                Some(TokenTree::Ident(name)) => Some(name.to_string()),
                _ => None,
            };
        }
    }
    None
}

/// Checks that `item` is a function without generic parameters and without arguments.
fn harness_signature(item: &TokenStream) -> Result<(), String> {
    let mut tokens = item.clone().into_iter().peekable();
    while let Some(token) = tokens.next() {
        if !matches!(&token, TokenTree::Ident(ident) if ident.to_string() == "fn") {
            continue;
        }
        let name = match tokens.next() {
            Some(TokenTree::Ident(name)) => name.to_string(),
            _ => return Err("#[kani::proof] belongs on a function".to_owned()),
        };
        return match tokens.next() {
            Some(TokenTree::Punct(punct))
                if punct.as_char() == '<' && punct.spacing() == Spacing::Alone =>
            {
                Err(format!("the harness `{name}` must not have type or const parameters"))
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                if group.stream().is_empty() {
                    Ok(())
                } else {
                    Err(format!("the harness `{name}` must take no arguments"))
                }
            }
            _ => Err(format!("the harness `{name}` has no argument list")),
        };
    }
    Err("#[kani::proof] belongs on a function".to_owned())
}

/// `compile_error!(message)` followed by the item, so later errors still point into it.
fn error(message: &str, item: TokenStream) -> TokenStream {
    let mut out: TokenStream =
        format!("compile_error!({message:?});").parse().expect("a valid macro call");
    out.extend(item);
    out
}
