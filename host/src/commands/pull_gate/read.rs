//! Reading one pull request — the object, every review, comment and changed file, its timeline
//! and commits, the server's version — in one round trip (each list's pages in parallel), and
//! reading it ahead of the guest's question while the gate's teams resolve.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::gathered::Gathered;
use super::owners::{NamedOwners, TeamReading, resolve_teams, teams_named};
use super::{GateFacts, PullGate, join, thread_panicked};
use crate::commands::policy_files::{PolicyGathered, PolicyRead};
use crate::commands::{Problem, run_repository};
use crate::facts::RunFacts;
use crate::gitea::teams::Team;
use crate::gitea::{self, ApiError, Client};
use crate::protocol::{
    ChangedFile, Facts, Lookup, Owners, PolicyFacts, PullHistory, PullView, Request, SecretFact, Server, decide,
};
use crate::sandbox::Sandbox;

/// The gate's teams, resolved; meanwhile the pull request the guest is going to ask for (the
/// one `--pr` or the event names) is read, so the two cost one round of requests, not two.
/// Only a gate that names teams reads ahead: the policy gate first lets the guest check its
/// file (a broken policy is exit 2 before any request).
pub(super) fn resolve_teams_reading_ahead(
    gate: &PullGate<'_>,
    run: &RunFacts,
    client: Option<&Client>,
) -> Result<(Vec<Team>, Option<ReadAhead>), Problem> {
    let number = gate.pr.or_else(|| run.event.pull_request_number());
    let (Some(client), Some(number), false) = (client, number, gate.teams.is_empty()) else {
        return Ok((resolve_teams(gate, client)?, None));
    };
    let (teams, fetched) = std::thread::scope(|scope| {
        let fetched = scope.spawn(|| fetch_pull_request(client, run, gate, number, None));
        let teams = resolve_teams(gate, Some(client));
        let fetched = fetched.join().unwrap_or_else(|_| Err(thread_panicked("cannot read the pull request")));
        (teams, fetched)
    });
    Ok((teams?, Some(fetched)))
}

/// A pull request read before the guest asked for it (its errors count only if it does).
pub(super) type ReadAhead = Result<Fetched, Problem>;

/// Reading one pull request once the guest asked for it.
pub(super) struct PullReading<'a> {
    pub(super) client: &'a Client,
    pub(super) run: &'a RunFacts,
    pub(super) gate: &'a PullGate<'a>,
    pub(super) sandbox: &'a Sandbox,
    pub(super) token: Option<&'a SecretFact>,
    /// The server's version when the sweep already asked for it.
    pub(super) server: Option<&'a Result<Server, ApiError>>,
}

/// What one round of reading a pull request returns: the pull request, the policy files read at
/// the payload's base (when it names it), and the teams the policy names, already resolved.
pub(super) type PullRound = (Result<Fetched, Problem>, Option<Result<PolicyRead, Problem>>, Option<NamedOwners>);

impl PullReading<'_> {
    /// Pull request `number` (unless `ahead` already holds it), and for the policy gate in the
    /// same round: the policy and CODEOWNERS at the base the payload names, and the teams they
    /// name (`named`: what the guest said of a workspace policy; otherwise the guest is asked once
    /// the base's files are in), resolved while the pull request's pages are still coming.
    pub(super) fn read(&self, number: u64, ahead: Option<ReadAhead>, named: Option<Owners>) -> PullRound {
        let GateFacts::Policy { source, .. } = &self.gate.facts else {
            let fetched =
                ahead.unwrap_or_else(|| fetch_pull_request(self.client, self.run, self.gate, number, self.server));
            return (fetched, None, None);
        };
        std::thread::scope(|scope| {
            let fetched = scope.spawn(|| {
                ahead.unwrap_or_else(|| fetch_pull_request(self.client, self.run, self.gate, number, self.server))
            });
            let early_base = payload_base_sha(self.run, number);
            let repo = run_repository(self.run, "the pull request and its statuses live there").ok();
            let early = match (&repo, early_base.as_deref()) {
                (Some(repo), Some(base)) => Some(source.read(self.client, repo, Some(base))),
                _ => None,
            };
            let named = named.or_else(|| match &early {
                Some(Ok(read)) => self.teams_named_by(read),
                _ => None,
            });
            let reading = TeamReading { token_env: self.gate.token_env, client: Some(self.client) };
            let resolved = named.and_then(|named| reading.resolve_named(&named.teams, &named.users).ok());
            let fetched = fetched.join().unwrap_or_else(|_| Err(thread_panicked("cannot read the pull request")));
            (fetched, early, resolved)
        })
    }

    /// The teams the base's policy and CODEOWNERS name, as the guest reads them (it is the one
    /// that parses the policy): asked before the pull request is in.
    fn teams_named_by(&self, read: &PolicyRead) -> Option<Owners> {
        let facts = Facts::Policy(PolicyFacts {
            context: self.run.context(None),
            token: self.token.cloned(),
            pr_number: self.gate.pr,
            policy: Some(read.policy.clone()),
            pull_request: None,
            reviews: Vec::new(),
            comments: Vec::new(),
            history: None,
            server: None,
            changed_files: None,
            codeowners: read.codeowners.clone(),
            teams: Vec::new(),
            missing_teams: Vec::new(),
            users: Vec::new(),
            missing_users: Vec::new(),
            membership: None,
            request_reviews: false,
            keep_across_base_merges: false,
        });
        let decision = decide(self.sandbox, &Request::new(facts)).ok()?;
        teams_named(&decision.verdict)
    }
}

/// One pull request as read before the guest looks at it: the object, every review, (for the
/// checklist and the policy) every comment, the label timeline, its pushes and commits, (for the
/// policy) every changed file.
pub(super) struct Fetched {
    pub(super) number: u64,
    pub(super) pr: Value,
    pub(super) reviews: Vec<Value>,
    pub(super) comments: Vec<Value>,
    pub(super) timeline: Option<Vec<Value>>,
    pub(super) history: PullHistory,
    pub(super) files: Option<Vec<ChangedFile>>,
    /// The server's version (the policy gate: its CODEOWNERS rules follow it).
    pub(super) server: Option<Server>,
}

/// The pull request, all its reviews, comments, timeline, commits and changed files, fetched at
/// once: one round trip (each list's pages in parallel).
/// `known`: the server's version when the sweep already asked for it (else the policy gate asks).
pub(super) fn fetch_pull_request(
    client: &Client,
    run: &RunFacts,
    gate: &PullGate<'_>,
    number: u64,
    known: Option<&Result<Server, ApiError>>,
) -> Result<Fetched, Problem> {
    let repo = run_repository(run, "the pull request and its statuses live there")?;
    crate::log_line!("gitea-gate: reading pull request {repo}#{number} …");
    let (with_files, with_server) = (gate.reads_changed_files(), gate.reads_server_version());
    let (pr, reviews, comments, timeline, commits, (files, server)) = std::thread::scope(|scope| {
        let files =
            scope.spawn(|| if with_files { gitea::pulls::files(client, &repo, number).map(Some) } else { Ok(None) });
        let server = scope.spawn(|| match known {
            Some(known) => known.clone().map(Some),
            None if with_server => gitea::version::read(client).map(Some),
            None => Ok(None),
        });
        let reviews = scope.spawn(|| gitea::reviews::list(client, &repo, number));
        let comments = scope
            .spawn(|| if gate.with_comments { gitea::comments::list(client, &repo, number) } else { Ok(Vec::new()) });
        let timeline = scope.spawn(|| gitea::timeline::read(client, &repo, number));
        let commits = scope.spawn(|| gitea::pulls::commits(client, &repo, number));
        let pr = gitea::pulls::get(client, &repo, number);
        (pr, join(reviews), join(comments), join(timeline), join(commits), (join(files), join(server)))
    });
    let read = |what: &str| format!("cannot read the {what} of #{number}");
    let timeline = timeline.map_err(|e| Problem::api(&e, &read("timeline")))?;
    Ok(Fetched {
        number,
        pr: pr.map_err(|e| Problem::api(&e, &format!("cannot read pull request #{number}")))?,
        reviews: reviews.map_err(|e| Problem::api(&e, &read("reviews")))?,
        comments: comments.map_err(|e| Problem::api(&e, &read("comments")))?,
        history: PullHistory {
            pushes: timeline.pushes,
            commits: commits.map_err(|e| Problem::api(&e, &read("commits")))?,
            reopens: timeline.reopens,
            retargets: timeline.retargets,
            changes: Vec::new(),
            ancestry: Vec::new(),
        },
        timeline: gate.with_timeline.then_some(timeline.label_events),
        files: files.map_err(|e| Problem::api(&e, &read("changed files")))?,
        server: server.map_err(|e| Problem::api(&e, "cannot read the server's version"))?,
    })
}

/// Hand a fetched pull request to the guest's facts; the policy gate's files come with it,
/// read at the base commit (`early`: already read at the payload's base, in the same round trip).
pub(super) fn take_pull_request(
    client: &Client,
    run: &RunFacts,
    gate: &PullGate<'_>,
    fetched: Fetched,
    early: Option<Result<PolicyRead, Problem>>,
    gathered: &mut Gathered,
) -> Result<(), Problem> {
    let Fetched { pr, reviews, comments, timeline, history, files, server, .. } = fetched;
    if let (GateFacts::Policy { source, .. }, Some(changed_files)) = (&gate.facts, files) {
        let read = match early {
            Some(read) => read?,
            None => {
                let repo = run_repository(run, "the pull request and its statuses live there")?;
                source.read(client, &repo, PullView::of(&pr).base_sha())?
            }
        };
        gathered.policy = Some(PolicyGathered::new(read, changed_files));
    }
    // An issue_comment run learns where the pull request's head lives from this object (the
    // payload does not say), exactly as the trust gate's own lookup would (docs/gitea.md §9.2).
    if gate.pr.is_none() || gate.pr == run.payload_view().issue_number() {
        gathered.lookup = Some(Lookup::Found(pr.clone()));
    }
    gathered.pull_request = Some(pr);
    gathered.reviews = reviews.into_iter().map(slim_user).collect();
    gathered.comments = comments.into_iter().map(slim_user).collect();
    gathered.timeline = timeline;
    gathered.history = Some(history);
    gathered.server = server;
    Ok(())
}

/// A review or comment row with its `user` cut down to what the guest reads (`id`, `login`).
/// Gitea's user object is most of a row (about 600 of 900 bytes); ten thousand rows travel to
/// the guest on every question, so this is most of the guest's parsing work.
pub(super) fn slim_user(mut row: Value) -> Value {
    if let Some(user) = row.get_mut("user").filter(|u| u.is_object()) {
        let slim = SlimUser::deserialize(&*user).unwrap_or_default();
        *user = serde_json::to_value(slim).unwrap_or_default();
    }
    row
}

/// The part of a Gitea user object the guest reads; what is absent stays `null`.
#[derive(Default, Deserialize, Serialize)]
pub(super) struct SlimUser {
    #[serde(default)]
    id: Value,
    #[serde(default)]
    login: Value,
}

/// The pull request's base commit from the event payload, when the payload is about `number`.
pub(super) fn payload_base_sha(run: &RunFacts, number: u64) -> Option<String> {
    run.payload_view().pull_request_numbered(number)?.base_sha().map(str::to_owned)
}
