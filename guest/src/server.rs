//! What the server's version means for the gate's decisions, in one place (docs/gitea.md §10,
//! §15). The host reads `GET /api/v1/version` with the pull request; every behaviour that
//! differs between the versions the gate supports is chosen here from that answer.

pub use gitea_gate_protocol::{CODEOWNERS_CANDIDATES, CODEOWNERS_PATHS, Product, Server};

/// The oldest Gitea the gate supports (docs/gitea.md §14).
pub const OLDEST_GITEA: (u64, u64, u64) = (1, 22, 6);
/// The oldest Forgejo: v11, its long-term-support line.
pub const OLDEST_FORGEJO: (u64, u64, u64) = (11, 0, 0);

/// How the server reads a CODEOWNERS pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CodeownersDialect {
    /// Gitea 1.26 and later strip one leading `/`, also after `!` (go-gitea/gitea#37244, in
    /// 1.26.0; its test `testCodeOwnerAbsolutePathPatterns`). Before, `/docs/.*` never matches a
    /// repository path (paths have no leading `/`), and `!/docs/.*` applies to every file.
    pub strip_leading_slash: bool,
    /// Gitea 1.26 and later compile patterns with regexp2 (a .NET-style dialect: lookaround,
    /// backreferences, …) instead of Go's RE2. A pattern the gate's RE2 engine cannot compile may
    /// then be one the server applies, so it cannot be skipped as Gitea ≤ 1.25 skips it.
    pub regexp2: bool,
    /// Gitea 1.26.3 and later stop a pattern's match after 150 ms and count it as not matched
    /// (go-gitea/gitea#38011, backported as #38025): a negated line then applies to that file.
    pub match_timeout: bool,
    /// Resolve an `@org/team` owner by the team name without case. Gitea up to 1.26 and Forgejo
    /// compare it with case (`team.Name == teamName` in `ParseCodeOwnersLine`); Gitea's main line
    /// after 1.26 compares without case (`strings.EqualFold`, test `testCodeOwnerTeamNameCase`),
    /// in a release this gate cannot name. From 1.27 on the gate resolves without case: a team
    /// the server might find is never dropped, so never fewer owners (team names are unique
    /// without case, so never a different team).
    pub team_names_without_case: bool,
}

/// Why the gate does not decide for this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// The CODEOWNERS dialect of `server`, or why the gate cannot follow it.
pub fn codeowners_dialect(server: &Server) -> Result<CodeownersDialect, Unsupported> {
    let Some(release) = server.release() else {
        return Err(Unsupported(format!(
            "the server's version {:?} names no release, so which CODEOWNERS rules it applies is unknown",
            crate::text::one_line(&server.version)
        )));
    };
    let (oldest, name) = match server.product {
        Product::Gitea => (OLDEST_GITEA, "Gitea"),
        Product::Forgejo => (OLDEST_FORGEJO, "Forgejo"),
    };
    if release < oldest {
        let (a, b, c) = oldest;
        return Err(Unsupported(format!(
            "{name} {} is older than {name} {a}.{b}.{c}, the oldest gitea-gate follows",
            crate::text::one_line(&server.version)
        )));
    }
    Ok(match server.product {
        // Forgejo keeps Go's RE2 and the pattern as written (through v13).
        Product::Forgejo => CodeownersDialect::default(),
        Product::Gitea => {
            let since_1_26 = release >= (1, 26, 0);
            let match_timeout = release >= (1, 26, 3);
            let team_names_without_case = release >= (1, 27, 0);
            CodeownersDialect {
                strip_leading_slash: since_1_26,
                regexp2: since_1_26,
                match_timeout,
                team_names_without_case,
            }
        }
    })
}

/// Where `server` looks for CODEOWNERS, in order, on the repository's default branch (the first
/// that exists wins): Gitea's three places; Forgejo from 12.0.2 also `.forgejo/CODEOWNERS`, last
/// (Forgejo #8773, backported to 12.0.2 as #8790; v11 never reads it). docs/gitea.md §11.1.
pub fn codeowners_locations(server: &Server) -> &'static [&'static str] {
    match (server.product, server.release()) {
        (Product::Forgejo, Some(release)) if release >= (12, 0, 2) => &CODEOWNERS_CANDIDATES,
        _ => &CODEOWNERS_PATHS,
    }
}

/// `Gitea 1.25.4`, `Forgejo 12.0.2+gitea-1.22.0`.
pub fn shown(server: &Server) -> String {
    let name = match server.product {
        Product::Gitea => "Gitea",
        Product::Forgejo => "Forgejo",
    };
    format!("{name} {}", crate::text::one_line(&server.version))
}

#[cfg(test)]
mod tests {
    #[test]
    fn forgejo_reads_its_own_codeowners_from_12_0_2_and_gitea_never() {
        let at = |version: &str| codeowners_locations(&Server::from_version(version)).to_vec();
        assert_eq!(at("1.25.4"), CODEOWNERS_PATHS);
        assert_eq!(at("1.27.0"), CODEOWNERS_PATHS, "Gitea never reads .forgejo/");
        assert_eq!(at("11.0.7+gitea-1.22.0"), CODEOWNERS_PATHS, "Forgejo 11 does not");
        assert_eq!(at("12.0.1+gitea-1.22.0"), CODEOWNERS_PATHS);
        assert_eq!(at("12.0.2+gitea-1.22.0"), CODEOWNERS_CANDIDATES);
        assert_eq!(at("13.0.0+gitea-1.22.0").last(), Some(&".forgejo/CODEOWNERS"), "last, after Gitea's three");
    }

    use super::*;

    fn dialect(version: &str) -> Result<CodeownersDialect, Unsupported> {
        codeowners_dialect(&Server::from_version(version))
    }

    #[test]
    fn each_version_reads_codeowners_its_own_way() {
        let before = CodeownersDialect::default();
        let since = CodeownersDialect { strip_leading_slash: true, regexp2: true, ..before };
        let timed = CodeownersDialect { match_timeout: true, ..since };
        let caseless = CodeownersDialect { team_names_without_case: true, ..timed };
        assert_eq!(dialect("1.22.6"), Ok(before));
        assert_eq!(dialect("1.25.4"), Ok(before));
        assert_eq!(dialect("1.26.0"), Ok(since));
        assert_eq!(dialect("1.26.2"), Ok(since));
        assert_eq!(dialect("1.26.3"), Ok(timed));
        assert_eq!(dialect("1.26.9"), Ok(timed));
        assert_eq!(dialect("1.27.0-rc1"), Ok(caseless));
        assert_eq!(dialect("12.0.2+gitea-1.22.0"), Ok(before), "Forgejo keeps RE2 and the pattern as written");
        assert!(dialect("1.21.11").is_err_and(|u| u.0.contains("older than Gitea 1.22.6")));
        assert!(dialect("1.22.5").is_err());
        assert!(dialect("10.0.3+gitea-1.22.0").is_err_and(|u| u.0.contains("Forgejo")));
        assert!(dialect("development").is_err_and(|u| u.0.contains("names no release")));
    }
}
