//! The kinds of mutation: one per [`Mutation`] variant, with the stable snake_case name a corpus
//! file's `"kind"` tag, reports and coverage tables use.

use core::fmt;

use super::Mutation;

/// Declares [`MutationKind`], its [`MutationKind::ALL`] list and its names from one table, so the
/// list cannot miss a kind.
macro_rules! mutation_kinds {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal,)*) => {
        /// What a [`Mutation`] rewrites, without its parameters.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum MutationKind {
            $($(#[doc = $doc])* $variant,)*
        }

        impl MutationKind {
            /// Every kind, in declaration order (the order [`choose`](super::choose()) draws from
            /// and coverage numbers them by).
            pub const ALL: [Self; [$($name),*].len()] = [$(Self::$variant),*];

            /// The kind's stable name: the `"kind"` tag of a [`Mutation`] in a corpus file.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

mutation_kinds! {
    /// [`Mutation::OuterSelector`].
    OuterSelector => "outer_selector",
    /// [`Mutation::ModeByte`].
    ModeByte => "mode_byte",
    /// [`Mutation::OuterOffset`].
    OuterOffset => "outer_offset",
    /// [`Mutation::OuterLength`].
    OuterLength => "outer_length",
    /// [`Mutation::OuterRelocate`].
    OuterRelocate => "outer_relocate",
    /// [`Mutation::ArrayOffset`].
    ArrayOffset => "array_offset",
    /// [`Mutation::BatchLength`].
    BatchLength => "batch_length",
    /// [`Mutation::ItemOffset`].
    ItemOffset => "item_offset",
    /// [`Mutation::ItemAlias`].
    ItemAlias => "item_alias",
    /// [`Mutation::ItemRelocate`].
    ItemRelocate => "item_relocate",
    /// [`Mutation::ItemHide`].
    ItemHide => "item_hide",
    /// [`Mutation::DataHide`].
    DataHide => "data_hide",
    /// [`Mutation::DataOffset`].
    DataOffset => "data_offset",
    /// [`Mutation::DataLength`].
    DataLength => "data_length",
    /// [`Mutation::DirtyTarget`].
    DirtyTarget => "dirty_target",
    /// [`Mutation::Padding`].
    Padding => "padding",
    /// [`Mutation::Trailing`].
    Trailing => "trailing",
    /// [`Mutation::Truncate`].
    Truncate => "truncate",
    /// [`Mutation::InnerData`].
    InnerData => "inner_data",
    /// [`Mutation::DirtyArg`].
    DirtyArg => "dirty_arg",
    /// [`Mutation::ArgRelocate`].
    ArgRelocate => "arg_relocate",
    /// [`Mutation::ArgHide`].
    ArgHide => "arg_hide",
    /// [`Mutation::ArgPadding`].
    ArgPadding => "arg_padding",
    /// [`Mutation::SignatureDecoy`].
    SignatureDecoy => "signature_decoy",
}

impl MutationKind {
    /// The kind's position in [`MutationKind::ALL`].
    pub const fn index(self) -> usize {
        // `ALL` lists the kinds in declaration order.
        self as usize
    }
}

impl fmt::Display for MutationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Mutation {
    /// The mutation's kind, as corpus files, reports and coverage name it.
    pub fn kind(&self) -> MutationKind {
        match self {
            Self::OuterSelector { .. } => MutationKind::OuterSelector,
            Self::ModeByte { .. } => MutationKind::ModeByte,
            Self::OuterOffset { .. } => MutationKind::OuterOffset,
            Self::OuterLength { .. } => MutationKind::OuterLength,
            Self::OuterRelocate => MutationKind::OuterRelocate,
            Self::ArrayOffset { .. } => MutationKind::ArrayOffset,
            Self::BatchLength { .. } => MutationKind::BatchLength,
            Self::ItemOffset { .. } => MutationKind::ItemOffset,
            Self::ItemAlias { .. } => MutationKind::ItemAlias,
            Self::ItemRelocate { .. } => MutationKind::ItemRelocate,
            Self::ItemHide { .. } => MutationKind::ItemHide,
            Self::DataHide { .. } => MutationKind::DataHide,
            Self::DataOffset { .. } => MutationKind::DataOffset,
            Self::DataLength { .. } => MutationKind::DataLength,
            Self::DirtyTarget { .. } => MutationKind::DirtyTarget,
            Self::Padding { .. } => MutationKind::Padding,
            Self::Trailing { .. } => MutationKind::Trailing,
            Self::Truncate { .. } => MutationKind::Truncate,
            Self::InnerData { .. } => MutationKind::InnerData,
            Self::DirtyArg { .. } => MutationKind::DirtyArg,
            Self::ArgRelocate { .. } => MutationKind::ArgRelocate,
            Self::ArgHide { .. } => MutationKind::ArgHide,
            Self::ArgPadding { .. } => MutationKind::ArgPadding,
            Self::SignatureDecoy => MutationKind::SignatureDecoy,
        }
    }
}
