//! Text layout for a terminal: long sentences wrap with a hanging indent when stdout is a
//! terminal, and stay one line each when it is piped (so `grep` finds whole sentences).

use std::io::{self, IsTerminal as _};

/// Where text wraps on a terminal.
const WRAP_WIDTH: usize = 100;

/// The width to wrap stdout's text at: [`WRAP_WIDTH`] on a terminal, none when piped.
pub(crate) fn wrap_width() -> Option<usize> {
    io::stdout().is_terminal().then_some(WRAP_WIDTH)
}

/// `text` indented by `indent`, wrapped at `width` (if any) with continuation lines indented by
/// `hanging`. Words longer than a line (addresses) are never split.
pub(crate) fn wrap(text: &str, indent: usize, hanging: usize, width: Option<usize>) -> String {
    let first = " ".repeat(indent);
    let Some(width) = width else {
        return first + text;
    };
    let rest = " ".repeat(hanging);
    let options = textwrap::Options::new(width)
        .initial_indent(&first)
        .subsequent_indent(&rest)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace);
    textwrap::fill(text, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_indents_continuation_lines() {
        assert_eq!(wrap("a bb ccc", 2, 4, None), "  a bb ccc");
        assert_eq!(wrap("a bb ccc dddd", 2, 4, Some(9)), "  a bb\n    ccc\n    dddd");
        // A word longer than the line stays whole.
        assert_eq!(wrap("0x0123456789", 2, 4, Some(6)), "  0x0123456789");
    }
}
