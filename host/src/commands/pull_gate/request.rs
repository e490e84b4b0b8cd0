//! The facts each pull-request gate sends the guest: what the gate was told (`GateFacts`), what
//! every question shares (the token, the teams), and what has been read so far.

use super::GateFacts;
use super::PullGate;
use super::gathered::{Gathered, RunShared};
use crate::facts::RunFacts;
use crate::gitea::teams::Team;
use crate::protocol::{ApprovalFacts, ChecklistFacts, Facts, PolicyFacts, Request};

pub(super) fn request(gate: &PullGate<'_>, run: &RunFacts, shared: &RunShared, gathered: &Gathered) -> Request {
    let context = run.context(gathered.lookup.as_ref());
    // The pull request's rows travel only once the guest asked for them.
    let (reviews, comments, timeline, history) = match &gathered.pull_request {
        Some(_) => {
            (gathered.reviews.clone(), gathered.comments.clone(), gathered.timeline.clone(), gathered.history.clone())
        }
        None => (Vec::new(), Vec::new(), None, None),
    };
    let facts = match &gate.facts {
        GateFacts::Approvals {
            min,
            allow_stale,
            block_on_changes_requested,
            approval_teams,
            waivable,
            rule,
            allow_contributors,
        } => Facts::Approvals(ApprovalFacts {
            context,
            token: shared.token.clone(),
            pr_number: gate.pr,
            pull_request: gathered.pull_request.clone(),
            reviews,
            history,
            allow_contributors: *allow_contributors,
            teams: shared.teams.iter().take(*approval_teams).cloned().collect(),
            min: *min,
            allow_stale: *allow_stale,
            request_reviews: gate.request_reviews,
            keep_across_base_merges: gate.keep_across_base_merges,
            block_on_changes_requested: *block_on_changes_requested,
            rule: (rule != "approvals").then(|| rule.clone()),
            waivable_by: waivable.iter().filter_map(|i| shared.teams.get(*i).cloned()).collect(),
            comments: if gate.with_comments { comments } else { Vec::new() },
            membership: gathered.membership.clone(),
        }),
        GateFacts::Checklist {
            items,
            count_edited_comments,
            tier_label_from_ack_teams,
            allow_contributors,
            keep_acks_across_pushes,
        } => Facts::Checklist(ChecklistFacts {
            context,
            token: shared.token.clone(),
            pr_number: gate.pr,
            items: items.clone(),
            teams: shared.teams.clone(),
            count_edited_comments: *count_edited_comments,
            pull_request: gathered.pull_request.clone(),
            comments: if gate.with_comments { comments } else { Vec::new() },
            reviews,
            history,
            membership: gathered.membership.clone(),
            allow_contributors: *allow_contributors,
            keep_acks_across_pushes: *keep_acks_across_pushes,
            tier_label_from_ack_teams: *tier_label_from_ack_teams,
            timeline,
        }),
        GateFacts::Policy { source } => {
            let mut teams = shared.teams.clone();
            let mut missing_teams = Vec::new();
            let (mut users, mut missing_users) = (Vec::new(), Vec::new());
            if let Some(named) = &gathered.named_teams {
                teams.extend(named.teams.iter().map(Team::fact));
                missing_teams.clone_from(&named.missing);
                users.clone_from(&named.users);
                missing_users.clone_from(&named.missing_users);
            }
            let fetched = gathered.policy.as_ref().filter(|_| gathered.pull_request.is_some());
            Facts::Policy(PolicyFacts {
                context,
                token: shared.token.clone(),
                pr_number: gate.pr,
                // A workspace file (push, dispatch) is checked before anything is fetched.
                policy: fetched.map(|p| p.policy.clone()).or_else(|| source.local_policy()),
                pull_request: gathered.pull_request.clone(),
                reviews,
                comments,
                history,
                server: gathered.server.clone().filter(|_| gathered.pull_request.is_some()),
                changed_files: fetched.map(|p| p.changed_files.clone()),
                codeowners: fetched.and_then(|p| p.codeowners.clone()),
                teams,
                missing_teams,
                users,
                missing_users,
                membership: gathered.membership.clone(),
                request_reviews: gate.request_reviews,
                keep_across_base_merges: gate.keep_across_base_merges,
            })
        }
    };
    Request::new(facts)
}
