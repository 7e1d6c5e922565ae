//! The Markdown report: a summary (findings by class and severity, entries by module), then one
//! section per finding, then the clean entries.

use std::fmt::Write as _;

use leash_fuzz::finding::Class;

use super::{FindingReport, Report, entries};
use crate::human;

/// `text` safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Text from a corpus entry (a note, a finding's words) as Markdown prose: on one line, with
/// HTML neutralized (an entry's `<script>` must not reach a rendered report) and control
/// characters escaped (nor terminal escapes a terminal).
fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// `text` as inline code, with a fence longer than any run of backticks inside it.
fn code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() })
        .collect();
    let text = text.as_str();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest == 0 { format!("{fence}{text}{fence}") } else { format!("{fence} {text} {fence}") }
}

/// A fenced block of `lines`, with a fence longer than any run of backticks inside them.
fn block(info: &str, lines: &[String]) -> String {
    let longest =
        lines.iter().flat_map(|l| l.split(|c| c != '`').map(str::len)).max().unwrap_or(0).max(2);
    let fence = "`".repeat(longest + 1);
    let mut out = format!("{fence}{info}\n");
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

/// The Markdown report.
pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let summary = &report.summary;
    let _ = writeln!(out, "# leash report\n");
    let _ = writeln!(
        out,
        "{} in {} ({} clean), written by leash {}.\n",
        human::plural(summary.findings as u64, "finding"),
        entries(summary.entries),
        summary.clean,
        report.leash
    );
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(out, "| class | severity | findings |\n|---|---|---|");
    for count in &summary.by_class {
        let _ = writeln!(out, "| {} | {} | {} |", count.class, count.severity, count.findings);
    }
    let _ = writeln!(out);
    let mut header = String::from("| module |");
    let mut rule = String::from("|---|");
    for class in Class::ALL {
        let _ = write!(header, " {class} |");
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{header} clean |\n{rule}---|");
    for module in &summary.modules {
        let mut row = format!("| {} |", cell(&code(&module.module)));
        for class in Class::ALL {
            let _ = write!(row, " {} |", module.findings.get(class));
        }
        let _ = writeln!(out, "{row} {} |", module.clean);
    }
    let _ = writeln!(out);
    if !report.findings.is_empty() {
        let _ = writeln!(out, "## Findings\n");
    }
    for (index, finding) in report.findings.iter().enumerate() {
        section(&mut out, index + 1, finding);
    }
    if !report.clean.is_empty() {
        let _ = writeln!(out, "## Clean entries\n");
        let _ = writeln!(
            out,
            "These entries show no finding against their module: regressions that \
                           must stay clean.\n"
        );
        let _ = writeln!(out, "| entry | module | steps | ops |\n|---|---|---|---|");
        for clean in &report.clean {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&code(&clean.file)),
                cell(&code(&clean.module)),
                clean.steps,
                clean.ops
            );
        }
        let _ = writeln!(out);
        for clean in report.clean.iter().filter(|c| c.note.is_some()) {
            let note = prose(clean.note.as_deref().unwrap_or_default());
            let _ = writeln!(out, "- {}: {note}", code(&clean.file));
        }
        let _ = writeln!(out);
    }
    if !report.unreadable.is_empty() {
        let _ = writeln!(out, "## Unreadable files\n");
        let _ = writeln!(out, "These could not be read, so the report leaves them out.\n");
        for unreadable in &report.unreadable {
            let _ = writeln!(out, "- {}: {}", code(&unreadable.file), prose(&unreadable.error));
        }
        let _ = writeln!(out);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// One finding's section.
fn section(out: &mut String, number: usize, finding: &FindingReport) {
    let clause = finding.spec_clause.as_deref().map_or_else(String::new, |c| format!(", spec {c}"));
    let _ = writeln!(
        out,
        "### {number}. {} ({}) in {}{clause}\n",
        finding.class,
        finding.severity,
        code(&finding.module)
    );
    let _ = writeln!(out, "- **Entry:** {} (id {})", code(&finding.file), code(&finding.id));
    let _ = writeln!(out, "- **Module:** {}", code(&finding.module));
    if let Some(note) = &finding.note {
        let _ = writeln!(out, "- **Note:** {}", prose(note));
    }
    let _ = writeln!(out, "- **Class:** {}, severity {}", finding.class, finding.severity);
    match (&finding.spec_clause, finding.clause_text) {
        (Some(clause), Some(text)) => {
            let _ = writeln!(out, "- **Spec clause:** {clause}: {text}");
        }
        (Some(clause), None) => {
            let _ = writeln!(out, "- **Spec clause:** {clause}");
        }
        (None, _) => {
            let _ = writeln!(
                out,
                "- **Spec clause:** none named by the spec's verdict (the spec allows the op, or \
                 the finding is about counters)"
            );
        }
    }
    if let Some(clause) = &finding.module_clause
        && Some(clause) != finding.spec_clause.as_ref()
    {
        let _ = writeln!(out, "- **The module's outcome cites:** {clause}");
    }
    let others: Vec<&String> = finding
        .clauses
        .iter()
        .filter(|c| {
            Some(*c) != finding.spec_clause.as_ref() && Some(*c) != finding.module_clause.as_ref()
        })
        .collect();
    if !others.is_empty() {
        let others: Vec<&str> = others.iter().map(|c| c.as_str()).collect();
        let _ = writeln!(out, "- **Also cited:** {}", others.join(", "));
    }
    if let Some(step) = finding.step {
        let op = finding.op.map_or_else(String::new, |op| format!(", op {op}"));
        let _ = writeln!(out, "- **Where:** step {step}{op}");
    }
    let _ = writeln!(out);
    // A counter finding's two sides are session states (status and counters), printed as code.
    let (spec_label, module_label, show): (&str, &str, fn(&str) -> String) =
        if finding.class == Class::State && finding.op.is_none() {
            ("The spec's session state", "The module's session state", code)
        } else {
            ("What the spec says", "What the module did", prose)
        };
    if let Some(spec) = &finding.spec {
        let _ = writeln!(out, "**{spec_label}:** {}\n", show(spec));
    }
    if let Some(module) = &finding.module_outcome {
        let _ = writeln!(out, "**{module_label}:** {}\n", show(module));
    }
    if !finding.intent_gaps.is_empty() {
        let _ = writeln!(
            out,
            "**Intent gaps** (what the module cannot enforce of the installed policies; the \
             oracle judged it against what it can):\n"
        );
        for gap in &finding.intent_gaps {
            let _ = writeln!(out, "- {}", prose(&gap.to_string()));
        }
        let _ = writeln!(out);
    }
    match &finding.detail {
        Some(detail) => {
            let _ = writeln!(out, "**Detail:** {}\n", prose(detail));
        }
        None => {
            let _ = writeln!(
                out,
                "**Detail:** the entry records no finding details; replay it to see them.\n"
            );
        }
    }
    if let Some((last, earlier)) = finding.code.split_last() {
        let planted =
            |l: &super::CodeLocation| if l.planted { " (planted by the mutant)" } else { "" };
        let way = |l: &super::CodeLocation| if l.taken { "jumped" } else { "fell through" };
        let _ = writeln!(
            out,
            "**Where the module decided:** {}:{}, {}{}: {}\n",
            code(&last.file),
            last.line,
            way(last),
            planted(last),
            code(&last.source)
        );
        if !earlier.is_empty() {
            let lines: Vec<String> = earlier
                .iter()
                .map(|l| format!("{}:{}  {}  {}{}", l.file, l.line, way(l), l.source, planted(l)))
                .collect();
            let _ =
                writeln!(out, "**Its path there** (the last branches it took, oldest first):\n");
            out.push_str(&block("text", &lines));
            let _ = writeln!(out);
        }
    }
    let provenance = &finding.provenance;
    let _ = writeln!(
        out,
        "**{}** ({}, {}; found with seed {:#x}, worker {}, case {}, calldata mutation {}):\n",
        if provenance.minimized { "Minimized case" } else { "Case (not minimized)" },
        human::plural(finding.case.steps as u64, "step"),
        human::plural(finding.case.ops as u64, "op"),
        provenance.seed,
        provenance.worker,
        provenance.exec,
        if provenance.mutate { "on" } else { "off" },
    );
    out.push_str(&block("text", &finding.case.lines));
    let _ = writeln!(out);
    let _ = writeln!(out, "**Reproduce:**\n");
    out.push_str(&block("sh", &finding.reproduce));
    let _ = writeln!(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_blocks_outgrow_backticks_inside() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(block("sh", &["x".into()]), "```sh\nx\n```\n");
        assert_eq!(block("", &["```".into()]), "````\n```\n````\n");
        assert_eq!(cell("a|b"), "a\\|b");
    }

    /// Issue #17 D12: a corpus note's `<script>` reached the Markdown report as HTML.
    #[test]
    fn entry_text_is_neutralized_in_prose_and_code() {
        assert_eq!(prose("<script>x&y</script>\nz"), "&lt;script&gt;x&amp;y&lt;/script&gt; z");
        assert_eq!(prose("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(code("a\u{1b}b"), "`a\\u{1b}b`");
    }
}
