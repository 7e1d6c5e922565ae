//! A small table of well-known functions, to name a permission's selector: the ERC-20 family
//! (and the ERC-721/1155 functions that move assets), the reference contracts' game and router,
//! and the account functions that execute other calls. And a smaller one of well-known tokens,
//! to show amounts in their units ("5 USDC" rather than "5000000 base units").

use alloy_primitives::{Address, U256, address, keccak256};
use leash_model::{Policy, TokenCap, TokenSymbol};

use crate::human;

/// What calling a function does, as far as a policy review is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// One of the four ERC-20 functions an ERC-20 cap counts (spec §8.1).
    Erc20Capped(Erc20Function),
    /// Moves or approves assets, and no ERC-20 cap counts it (ERC-721 and ERC-1155 transfers,
    /// `setApprovalForAll`).
    MovesAssets,
    /// Executes calls of its own (an account's or module's entry point): the calls inside are
    /// not checked by this policy.
    Executes,
    /// Anything else.
    Other,
}

/// The four ERC-20 functions of spec §8.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Erc20Function {
    /// `transfer(address to, uint256 amount)`.
    Transfer,
    /// `approve(address spender, uint256 amount)`.
    Approve,
    /// `transferFrom(address from, address to, uint256 amount)`.
    TransferFrom,
    /// `increaseAllowance(address spender, uint256 addedValue)`.
    IncreaseAllowance,
}

impl Erc20Function {
    /// Whether the function grants an allowance (its first argument is a spender).
    pub(crate) fn approves(self) -> bool {
        matches!(self, Self::Approve | Self::IncreaseAllowance)
    }
}

/// A well-known function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KnownFunction {
    /// The canonical signature, whose keccak gives the selector: `transfer(address,uint256)`.
    pub(crate) signature: &'static str,
    /// The parameter names, in order.
    pub(crate) params: &'static [&'static str],
    /// Where it comes from, for the reader: `ERC-20`, `reference Game`.
    pub(crate) family: &'static str,
    /// What calling it does.
    pub(crate) effect: Effect,
}

impl KnownFunction {
    /// The four-byte selector.
    pub(crate) fn selector(&self) -> [u8; 4] {
        let hash = keccak256(self.signature.as_bytes());
        [hash[0], hash[1], hash[2], hash[3]]
    }

    /// The function's name, without arguments.
    pub(crate) fn name(&self) -> &'static str {
        self.signature.split_once('(').map_or(self.signature, |(name, _)| name)
    }

    /// The parameter types of the canonical signature, split at top-level commas.
    pub(crate) fn param_types(&self) -> Vec<&'static str> {
        let inner = self.signature.split_once('(').map_or("", |(_, rest)| rest);
        let inner = inner.strip_suffix(')').unwrap_or(inner);
        let mut types = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, c) in inner.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    types.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if !inner.is_empty() {
            types.push(&inner[start..]);
        }
        types
    }

    /// The signature with parameter names: `transfer(address to, uint256 amount)`.
    pub(crate) fn display(&self) -> String {
        let params: Vec<String> = self
            .param_types()
            .iter()
            .zip(self.params.iter().copied().chain(std::iter::repeat("")))
            .map(|(ty, name)| if name.is_empty() { ty.to_string() } else { format!("{ty} {name}") })
            .collect();
        format!("{}({})", self.name(), params.join(", "))
    }
}

/// The ERC-20 functions an ERC-20 cap counts, with the index of the amount argument.
pub(crate) const ERC20_AMOUNT_ARG: [(Erc20Function, usize); 4] = [
    (Erc20Function::Transfer, 1),
    (Erc20Function::Approve, 1),
    (Erc20Function::TransferFrom, 2),
    (Erc20Function::IncreaseAllowance, 1),
];

macro_rules! known {
    ($($signature:literal [$($param:literal),*] $family:literal $effect:expr;)+) => {
        &[$(KnownFunction {
            signature: $signature,
            params: &[$($param),*],
            family: $family,
            effect: $effect,
        },)+]
    };
}

use Effect::{Erc20Capped, Executes, MovesAssets, Other};
use Erc20Function::{Approve, IncreaseAllowance, Transfer, TransferFrom};

/// Every function the table knows.
static KNOWN: &[KnownFunction] = known! {
    "transfer(address,uint256)" ["to", "amount"] "ERC-20" Erc20Capped(Transfer);
    "approve(address,uint256)" ["spender", "amount"] "ERC-20" Erc20Capped(Approve);
    "transferFrom(address,address,uint256)" ["from", "to", "amount"] "ERC-20"
        Erc20Capped(TransferFrom);
    "increaseAllowance(address,uint256)" ["spender", "addedValue"] "ERC-20"
        Erc20Capped(IncreaseAllowance);
    "decreaseAllowance(address,uint256)" ["spender", "subtractedValue"] "ERC-20" Other;
    "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"
        ["owner", "spender", "value", "deadline", "v", "r", "s"] "ERC-2612" Other;
    "safeTransferFrom(address,address,uint256)" ["from", "to", "tokenId"] "ERC-721" MovesAssets;
    "safeTransferFrom(address,address,uint256,bytes)" ["from", "to", "tokenId", "data"] "ERC-721"
        MovesAssets;
    "setApprovalForAll(address,bool)" ["operator", "approved"] "ERC-721/ERC-1155" MovesAssets;
    "safeTransferFrom(address,address,uint256,uint256,bytes)"
        ["from", "to", "id", "value", "data"] "ERC-1155" MovesAssets;
    "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)"
        ["from", "to", "ids", "values", "data"] "ERC-1155" MovesAssets;
    "deposit()" [] "WETH" Other;
    "withdraw(uint256)" ["amount"] "WETH" Other;
    "mint(address,uint256)" ["to", "amount"] "reference LeashToken" Other;
    "attack(uint256)" ["monsterId"] "reference Game" Other;
    "useSkill(uint8,uint256)" ["skill", "target"] "reference Game" Other;
    "pickup(address,uint256)" ["item", "amount"] "reference Game" Other;
    "buyLives(uint256)" ["count"] "reference Game" Other;
    "swap(address,uint256,bytes,uint256)" ["tokenIn", "amountIn", "path", "minOut"]
        "reference Router" Other;
    "execute(bytes32,bytes)" ["mode", "executionCalldata"] "ERC-7579 account" Executes;
    "executeFromExecutor(bytes32,bytes)" ["mode", "executionCalldata"] "ERC-7579 account"
        Executes;
    "executeUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)"
        ["userOp", "userOpHash"] "ERC-4337 account" Executes;
    "execute(address,uint256,bytes)" ["dest", "value", "func"] "ERC-4337 SimpleAccount" Executes;
    "executeBatch(address[],uint256[],bytes[])" ["dest", "value", "func"]
        "ERC-4337 SimpleAccount" Executes;
    "installModule(uint256,address,bytes)" ["moduleTypeId", "module", "initData"]
        "ERC-7579 account" Executes;
    "uninstallModule(uint256,address,bytes)" ["moduleTypeId", "module", "deInitData"]
        "ERC-7579 account" Executes;
};

/// A well-known ERC-20 token: its symbol and decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KnownToken {
    /// Its address.
    pub(crate) address: Address,
    /// Its symbol.
    pub(crate) symbol: &'static str,
    /// Its decimals.
    pub(crate) decimals: u8,
    /// Where it lives, for the reader.
    pub(crate) chain: &'static str,
}

/// Tokens whose units the explanation shows. An address is a token of the chain named; the same
/// address on another chain would be shown the same way, which no deployed token contradicts.
static TOKENS: &[KnownToken] = &[
    KnownToken {
        address: address!("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
        symbol: "USDC",
        decimals: 6,
        chain: "Ethereum",
    },
    KnownToken {
        address: address!("0x833589fcd6edb6e08f4c7c32d4f71b54bda02913"),
        symbol: "USDC",
        decimals: 6,
        chain: "Base",
    },
    KnownToken {
        address: address!("0xdac17f958d2ee523a2206206994597c13d831ec7"),
        symbol: "USDT",
        decimals: 6,
        chain: "Ethereum",
    },
    KnownToken {
        address: address!("0x6b175474e89094c44da98b954eedeac495271d0f"),
        symbol: "DAI",
        decimals: 18,
        chain: "Ethereum",
    },
    KnownToken {
        address: address!("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"),
        symbol: "WETH",
        decimals: 18,
        chain: "Ethereum",
    },
    KnownToken {
        address: address!("0x1f474a1576a49aea3c52d692e3f3eae0d57a336f"),
        symbol: "LEASH",
        decimals: 18,
        chain: "leash's reference world",
    },
];

/// The well-known token at `address`, if the table has one.
pub(crate) fn token(address: Address) -> Option<&'static KnownToken> {
    TOKENS.iter().find(|known| known.address == address)
}

/// How a cap's amounts read: in the decimals and symbol the policy names, else in the
/// well-known token's, else in base units (`None`s).
pub(crate) fn token_units(cap: &TokenCap) -> (Option<u8>, Option<&str>) {
    if cap.decimals.is_some() || cap.symbol.is_some() {
        return (cap.decimals, cap.symbol.as_ref().map(TokenSymbol::as_str));
    }
    match self::token(cap.token) {
        Some(known) => (Some(known.decimals), Some(known.symbol)),
        None => (None, None),
    }
}

/// How amounts of the token at `token` read: in the units its cap names (or the well-known
/// token's, [`token_units`]) when the policy caps it, else the well-known token's, else `None`
/// (base units).
pub(crate) fn units_at(policy: &Policy, token: Address) -> Option<(Option<u8>, Option<&str>)> {
    match policy.token_cap(token) {
        Some((_, cap)) => Some(token_units(cap)),
        None => self::token(token).map(|known| (Some(known.decimals), Some(known.symbol))),
    }
}

/// An amount of a capped token for people, in the units of [`token_units`], with its base units:
/// `5 USDC (5000000 base units)`.
pub(crate) fn token_amount(cap: &TokenCap, amount: U256) -> String {
    let (decimals, symbol) = token_units(cap);
    amount_in(amount, decimals, symbol)
}

/// `amount` base units shown with `decimals` (if known) and `symbol` (if known).
pub(crate) fn amount_in(amount: U256, decimals: Option<u8>, symbol: Option<&str>) -> String {
    if amount == U256::MAX {
        return match symbol {
            Some(symbol) => format!("2^256-1 base units of {symbol} (no limit)"),
            None => "2^256-1 base units (no limit)".to_string(),
        };
    }
    match (decimals, symbol) {
        (Some(decimals), Some(symbol)) => {
            format!("{} {symbol} ({amount} base units)", human::decimal(amount, decimals))
        }
        (Some(decimals), None) => format!(
            "{} ({amount} base units of {decimals} decimals)",
            human::decimal(amount, decimals)
        ),
        (None, Some(symbol)) => format!("{amount} base units of {symbol}"),
        (None, None) => format!("{amount} base units"),
    }
}

/// The well-known function with this selector, if the table has one.
pub(crate) fn function(selector: [u8; 4]) -> Option<&'static KnownFunction> {
    KNOWN.iter().find(|known| known.selector() == selector)
}

#[cfg(test)]
mod tests {
    use super::*;
    use leash_model::selectors;

    #[test]
    fn the_erc20_selectors_are_the_specs() {
        let capped: Vec<_> = KNOWN
            .iter()
            .filter(|known| matches!(known.effect, Effect::Erc20Capped(_)))
            .map(KnownFunction::selector)
            .collect();
        assert_eq!(
            capped,
            [
                selectors::TRANSFER,
                selectors::APPROVE,
                selectors::TRANSFER_FROM,
                selectors::INCREASE_ALLOWANCE
            ]
        );
        assert_eq!(function(selectors::EXECUTE).map(|f| f.effect), Some(Effect::Executes));
    }

    #[test]
    fn selectors_are_distinct_and_names_match_params() {
        for (i, known) in KNOWN.iter().enumerate() {
            assert_eq!(known.param_types().len(), known.params.len(), "{}", known.signature);
            for other in &KNOWN[..i] {
                assert_ne!(known.selector(), other.selector(), "{}", known.signature);
            }
        }
    }

    #[test]
    fn token_amounts_use_the_tokens_units() {
        let usdc = address!("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
        let cap = |token, decimals, symbol: Option<&str>| TokenCap {
            token,
            decimals,
            symbol: symbol.map(|s| TokenSymbol::new(s).unwrap()),
            ..TokenCap::default()
        };
        let known = cap(usdc, None, None);
        assert_eq!(token_amount(&known, U256::from(5_000_000)), "5 USDC (5000000 base units)");
        assert_eq!(
            token_amount(&known, U256::from(1_500_001)),
            "1.500001 USDC (1500001 base units)"
        );
        assert_eq!(token_amount(&known, U256::MAX), "2^256-1 base units of USDC (no limit)");
        let unknown = Address::repeat_byte(0x12);
        assert_eq!(token_amount(&cap(unknown, None, None), U256::from(7)), "7 base units");
        // The policy's units, when it names them, over the table's and over base units.
        let named = cap(unknown, Some(2), Some("EURx"));
        assert_eq!(token_amount(&named, U256::from(1_250)), "12.5 EURx (1250 base units)");
        assert_eq!(
            token_amount(&cap(usdc, Some(18), None), U256::from(5)),
            "0.000000000000000005 (5 base units of 18 decimals)"
        );
        assert_eq!(
            token_amount(&cap(unknown, None, Some("EURx")), U256::from(7)),
            "7 base units of EURx"
        );
        assert_eq!(token(usdc).map(|t| t.chain), Some("Ethereum"));
        for known in TOKENS {
            // Each address is its own checksummed form's (a typo would not be).
            let text = known.address.to_checksum(None);
            assert_eq!(Address::parse_checksummed(&text, None).unwrap(), known.address);
        }
    }

    #[test]
    fn display_names_the_parameters() {
        let transfer = function([0xa9, 0x05, 0x9c, 0xbb]).unwrap();
        assert_eq!(transfer.display(), "transfer(address to, uint256 amount)");
        let execute_user_op = KNOWN.iter().find(|k| k.name() == "executeUserOp").unwrap();
        assert_eq!(execute_user_op.param_types().len(), 2);
        assert_eq!(execute_user_op.selector(), [0x8d, 0xd7, 0x71, 0x2f]);
        assert_eq!(function([0, 0, 0, 0]), None);
    }
}
