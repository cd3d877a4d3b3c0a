//! CLI cases as data: each `tests/cmd/NAME.toml` gives the arguments and exit code, `NAME.stdout`
//! and `NAME.stderr` the exact output, `NAME.in/` the tree it runs in (copied to a sandbox). The
//! layout of every human, Markdown and GitHub report is pinned here, so a change to it is
//! reviewed as a diff of these files (`TRYCMD=overwrite cargo test --test cli` rewrites them).

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.toml");
}
