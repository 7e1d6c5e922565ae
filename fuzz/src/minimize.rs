//! Minimizing a case that shows a finding: drop steps, ops and batch items, drop the mutation,
//! zero values, simplify policies, as long as the case still shows a finding of the same class.

use alloy_primitives::U256;
use leash_model::Policy;

use crate::case::{Case, Op, Step};
use crate::finding::{Class, Finding};
use crate::run::Runner;

/// How much work minimization may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinimizeBudget {
    /// The most cases it runs.
    pub runs: usize,
}

impl Default for MinimizeBudget {
    fn default() -> Self {
        Self { runs: 400 }
    }
}

/// A minimized case and what it now shows.
#[derive(Clone, Debug)]
pub struct Minimized {
    /// The smallest case found that still shows a finding of the class.
    pub case: Case,
    /// Its finding.
    pub finding: Finding,
    /// How many runs it took.
    pub runs: usize,
}

struct Search<'r> {
    runner: &'r mut Runner,
    class: Class,
    runs: usize,
    budget: usize,
    best: Case,
    finding: Finding,
}

impl Search<'_> {
    /// Runs `candidate`; keeps it if it still shows a finding of the class.
    fn try_case(&mut self, candidate: Case) -> bool {
        if self.runs >= self.budget || candidate == self.best {
            return false;
        }
        self.runs += 1;
        match self.runner.run(&candidate).finding {
            Some(f) if f.class == self.class => {
                self.best = candidate;
                self.finding = f;
                true
            }
            _ => false,
        }
    }

    /// Tries each edit of the current best case, keeping the ones that hold.
    fn pass(&mut self, edits: impl Fn(&Case) -> Vec<Case>) -> bool {
        let mut progress = false;
        let mut i = 0;
        loop {
            let candidates = edits(&self.best);
            let Some(candidate) = candidates.into_iter().nth(i) else {
                return progress;
            };
            if self.try_case(candidate) {
                progress = true;
            } else {
                i += 1;
            }
            if self.runs >= self.budget {
                return progress;
            }
        }
    }
}

/// Shrinks `case`, which shows `finding` on `runner`'s target.
pub fn minimize(
    runner: &mut Runner,
    case: &Case,
    finding: &Finding,
    budget: MinimizeBudget,
) -> Minimized {
    let mut search = Search {
        runner,
        class: finding.class,
        runs: 0,
        budget: budget.runs,
        best: case.clone(),
        finding: finding.clone(),
    };
    // Everything after the step that showed the finding is irrelevant.
    let mut cut = case.clone();
    cut.steps.truncate(finding.step + 1);
    search.try_case(cut);
    loop {
        let mut progress = false;
        progress |= search.pass(drop_steps);
        progress |= search.pass(drop_ops);
        progress |= search.pass(drop_batch_items);
        progress |= search.pass(simplify_ops);
        progress |= search.pass(simplify_policies);
        if !progress || search.runs >= search.budget {
            break;
        }
    }
    Minimized { case: search.best, finding: search.finding, runs: search.runs }
}

fn drop_steps(case: &Case) -> Vec<Case> {
    (0..case.steps.len())
        .rev()
        .map(|i| {
            let mut c = case.clone();
            c.steps.remove(i);
            c
        })
        .collect()
}

fn ops_mut(case: &mut Case) -> impl Iterator<Item = &mut Vec<Op>> {
    case.steps.iter_mut().filter_map(|s| match s {
        Step::Bundle { ops } => Some(ops),
        _ => None,
    })
}

fn drop_ops(case: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    for (b, ops) in case.steps.iter().enumerate().filter_map(|(i, s)| match s {
        Step::Bundle { ops } if ops.len() > 1 => Some((i, ops.len())),
        _ => None,
    }) {
        for o in 0..ops {
            let mut c = case.clone();
            if let Step::Bundle { ops } = &mut c.steps[b] {
                ops.remove(o);
            }
            out.push(c);
        }
    }
    out
}

/// Re-derives an op's bytes after its recipe changed; `None` if the mutation no longer applies.
fn rederive(op: &mut Op) -> Option<()> {
    let bytes = op.recipe.as_ref()?.derive().ok()?;
    op.call_data = bytes.call_data;
    op.signature_tail = bytes.signature_tail;
    Some(())
}

/// Every case that differs from `case` in one op edited by `edit` (which returns `false` when
/// it does not apply).
fn each_op(case: &Case, edits: usize, edit: impl Fn(&mut Op, usize) -> bool) -> Vec<Case> {
    let mut out = Vec::new();
    let count: usize =
        case.steps.iter().map(|s| if let Step::Bundle { ops } = s { ops.len() } else { 0 }).sum();
    for target in 0..count {
        for e in 0..edits {
            let mut c = case.clone();
            let op = ops_mut(&mut c).flat_map(|ops| ops.iter_mut()).nth(target).expect("counted");
            if edit(op, e) && rederive(op).is_some() {
                out.push(c);
            }
        }
    }
    out
}

fn drop_batch_items(case: &Case) -> Vec<Case> {
    each_op(case, 2 * leash_model::bounds::MAX_BATCH + 2, |op, e| {
        let Some(recipe) = op.recipe.as_mut() else { return false };
        let (calls, i) = if e <= leash_model::bounds::MAX_BATCH {
            (&mut recipe.planned.calls, e)
        } else {
            (&mut recipe.twin.calls, e - leash_model::bounds::MAX_BATCH - 1)
        };
        if calls.len() <= 1 || i >= calls.len() {
            return false;
        }
        calls.remove(i);
        true
    })
}

fn simplify_ops(case: &Case) -> Vec<Case> {
    each_op(case, 6, |op, e| {
        let Some(recipe) = op.recipe.as_mut() else { return false };
        match e {
            0 if recipe.mutation.is_some() => recipe.mutation = None,
            // Without a mutation the twin plants nothing: drop it.
            5 if recipe.mutation.is_none() && !recipe.twin.calls.is_empty() => {
                recipe.twin.calls.clear();
            }
            1 if recipe.planned.batch && recipe.planned.calls.len() == 1 => {
                recipe.planned.batch = false
            }
            2 if recipe.planned.calls.iter().any(|c| !c.value.is_zero()) => {
                recipe.planned.calls.iter_mut().for_each(|c| c.value = U256::ZERO);
            }
            3 if recipe.twin.calls.iter().any(|c| !c.value.is_zero()) => {
                recipe.twin.calls.iter_mut().for_each(|c| c.value = U256::ZERO);
            }
            4 if recipe.twin.calls.len() > 1 => recipe.twin.calls.truncate(1),
            _ => return false,
        }
        true
    })
}

/// One simpler policy per part that can go: a permission, a rule, a cap, a limit.
fn simpler_policies(p: &Policy) -> Vec<Policy> {
    let mut out = Vec::new();
    for i in 0..p.permissions.len() {
        let mut q = p.clone();
        q.permissions.remove(i);
        out.push(q);
        for r in 0..p.permissions[i].rules.len() {
            let mut q = p.clone();
            q.permissions.as_mut_slice()[i].rules.remove(r);
            out.push(q);
        }
    }
    for i in 0..p.erc20.len() {
        let mut q = p.clone();
        q.erc20.remove(i);
        out.push(q);
    }
    let mut q = p.clone();
    if q.native.take().is_some() {
        out.push(q);
    }
    let mut q = p.clone();
    if q.usage_limit.take().is_some() {
        out.push(q);
    }
    let mut q = p.clone();
    if q.rate_limit.take().is_some() {
        out.push(q);
    }
    out.retain(|q| q.validate().is_ok());
    out
}

fn simplify_policies(case: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    for (i, step) in case.steps.iter().enumerate() {
        if let Step::Install { policy, .. } = step {
            for simpler in simpler_policies(policy) {
                let mut c = case.clone();
                if let Step::Install { policy, .. } = &mut c.steps[i] {
                    **policy = simpler;
                }
                out.push(c);
            }
        }
    }
    out
}
