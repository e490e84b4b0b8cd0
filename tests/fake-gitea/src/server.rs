//! Which server the fake imitates, and what that changes, in one place. The fixture's `version`
//! is read as `GET /api/v1/version` answers it: `1.25.4` is Gitea; `15.0.3+gitea-1.22.0` is
//! Forgejo (its own version, then the Gitea version it descends from). Each behaviour that
//! differs between the servers the gate supports is one field of [`Behaviour`], with the section
//! of docs/gitea.md that records it and the upstream source.

/// The product and release the fixture's version names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imitated {
    Gitea { release: (u32, u32, u32) },
    Forgejo { release: (u32, u32, u32) },
}

impl Imitated {
    pub fn from_version(version: &str) -> Imitated {
        let core = version.trim().trim_start_matches('v');
        let forgejo = core.contains("+gitea-");
        let core = core.split(['+', '-']).next().unwrap_or("");
        let mut parts = core.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let release = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        if forgejo { Imitated::Forgejo { release } } else { Imitated::Gitea { release } }
    }
}

/// How `Combined status` (`GET /commits/{ref}/status`) folds the latest status per context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combining {
    /// Gitea 1.23+ (§5.2): any error/failure → failure; all of success, warning, skipped →
    /// success; otherwise pending.
    WarningPasses,
    /// Gitea 1.22 and Forgejo (§14, §16): the worst state wins, `error < failure < warning <
    /// pending < success`, so `warning` stays `warning`; `skipped` is unknown and ignored, or
    /// (Forgejo 16+) the best state of all.
    WorstWins { skipped_known: bool },
}

/// Everything the fake does differently per imitated server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behaviour {
    /// The 404 body's message: `not found` (Gitea 1.23+); the locale string `The target couldn't
    /// be found.` (Gitea 1.22, Forgejo: `APIContext.NotFound`).
    pub not_found_text: &'static str,
    /// The 401 body for a presented but unknown token (§7.1, §14, §16). Forgejo 15+ names the
    /// token itself (`access token does not exist [sha: …]`), so `None` there means "echo it".
    pub bad_token_text: Option<&'static str>,
    /// `/contents` above the blob limit: `content: ""` with `encoding: "base64"` (Gitea 1.22,
    /// Forgejo: `GetBlobBySHA`) instead of `null`/`null`.
    pub large_file_as_empty_content: bool,
    /// `/raw?ref=` resolves any revision and answers 404 for an unknown one, without the
    /// default-branch fallback (Gitea 1.22, Forgejo: `RepoRefForAPI`; Gitea 1.23+ has #32413).
    pub raw_without_fallback: bool,
    /// `GET /commits/{ref}/status` for an unknown ref: 200 with an empty body (Gitea 1.22,
    /// Forgejo: `ResolveRefOrSha`) instead of 404.
    pub combined_status_of_unknown_ref_is_empty: bool,
    pub combining: Combining,
    /// `/pulls/{n}/files` answers 500 when the head repository was deleted (Gitea 1.22; fixed in
    /// Gitea 1.24 by #34333; kept for Forgejo, where the fix is not verified: the harsher answer).
    pub pull_files_fail_without_head_repo: bool,
    /// `Link` on `GET /orgs/{org}/teams` and `GET /teams/{id}/members` (Gitea 1.26+, §10;
    /// Forgejo never: `X-Total-Count` only).
    pub links_on_team_lists: bool,
    /// The Actions job token may read public repositories other than its own (Gitea 1.26+,
    /// §10); Gitea ≤ 1.25 and Forgejo answer 404 (`RepoAccess`).
    pub job_token_reads_other_public_repos: bool,
    /// `GET /api/forgejo/v1/version` exists (Forgejo), answering the same string.
    pub forgejo_version_route: bool,
    /// The pull request object lists `requested_reviewers_teams` (Gitea 1.23+, #31773; Forgejo).
    pub pull_lists_requested_teams: bool,
    /// `GET /contents-ext/{path}` exists (Gitea 1.25+; Gitea ≤ 1.24 and Forgejo answer 404).
    pub contents_ext: bool,
}

impl Behaviour {
    pub fn of(imitated: Imitated) -> Behaviour {
        match imitated {
            Imitated::Gitea { release } => {
                let legacy = release < (1, 23, 0);
                let since_1_26 = release >= (1, 26, 0);
                Behaviour {
                    not_found_text: if legacy { LOCALE_NOT_FOUND } else { "not found" },
                    bad_token_text: Some(if legacy { NO_SUCH_USER } else { "invalid username, password or token" }),
                    large_file_as_empty_content: legacy,
                    raw_without_fallback: legacy,
                    combined_status_of_unknown_ref_is_empty: legacy,
                    combining: if legacy {
                        Combining::WorstWins { skipped_known: false }
                    } else {
                        Combining::WarningPasses
                    },
                    pull_files_fail_without_head_repo: legacy,
                    links_on_team_lists: since_1_26,
                    job_token_reads_other_public_repos: since_1_26,
                    forgejo_version_route: false,
                    pull_lists_requested_teams: !legacy,
                    contents_ext: release >= (1, 25, 0),
                }
            }
            Imitated::Forgejo { release } => Behaviour {
                not_found_text: LOCALE_NOT_FOUND,
                // v15 rewrote authentication (`apiAuthentication`, `AccessToken.Verify`).
                bad_token_text: if release < (15, 0, 0) { Some(NO_SUCH_USER) } else { None },
                large_file_as_empty_content: true,
                raw_without_fallback: true,
                combined_status_of_unknown_ref_is_empty: true,
                // `skipped` from v16 (Forgejo #12606).
                combining: Combining::WorstWins { skipped_known: release >= (16, 0, 0) },
                pull_files_fail_without_head_repo: true,
                links_on_team_lists: false,
                job_token_reads_other_public_repos: false,
                forgejo_version_route: true,
                pull_lists_requested_teams: true,
                contents_ext: false,
            },
        }
    }
}

const LOCALE_NOT_FOUND: &str = "The target couldn't be found.";
const NO_SUCH_USER: &str = "user does not exist [uid: 0, name: ]";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_name_their_product() {
        assert_eq!(Imitated::from_version("1.25.4"), Imitated::Gitea { release: (1, 25, 4) });
        assert_eq!(Imitated::from_version("1.27.0-rc1"), Imitated::Gitea { release: (1, 27, 0) });
        assert_eq!(Imitated::from_version("15.0.3+gitea-1.22.0"), Imitated::Forgejo { release: (15, 0, 3) });
        let forgejo = Behaviour::of(Imitated::from_version("12.0.2+gitea-1.22.0"));
        assert!(!forgejo.links_on_team_lists && forgejo.raw_without_fallback, "never read as Gitea 12");
    }

    #[test]
    fn each_server_keeps_its_own_answers() {
        let of = |v: &str| Behaviour::of(Imitated::from_version(v));
        assert_eq!(of("1.22.6").not_found_text, LOCALE_NOT_FOUND);
        assert_eq!(of("1.25.4").not_found_text, "not found");
        assert!(of("1.26.1").links_on_team_lists && !of("1.25.4").links_on_team_lists);
        assert_eq!(of("14.0.5+gitea-1.22.0").bad_token_text, Some(NO_SUCH_USER));
        assert_eq!(of("15.0.3+gitea-1.22.0").bad_token_text, None, "v15 names the token");
        assert_eq!(of("15.0.3+gitea-1.22.0").combining, Combining::WorstWins { skipped_known: false });
        assert_eq!(of("16.0.0+gitea-1.22.0").combining, Combining::WorstWins { skipped_known: true });
        assert_eq!(of("1.24.0").combining, Combining::WarningPasses);
    }
}
