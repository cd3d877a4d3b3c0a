//! `reimage verify` — every image reference in the tree (the `list` inventory), asked of its
//! registry — and the `--verify` flags `rename`, `check` and `list` share. Nothing here or
//! anywhere else touches the network unless one of them is used.

use std::io::Write;
use std::path::PathBuf;

use reimage::report::Mode;
use reimage::{GroupBy, Report};

use super::{Common, Error, ExitStatus, Session};

pub(super) const HELP: &str =
    "Asks each registry `HEAD /v2/<name>/manifests/<tag|digest>`, anonymously or with the
credentials of ~/.docker/config.json or the containers auth.json (credential helpers included).
Exit 0 when every reference exists, 1 when one is missing or refused, 2 when a registry could
not be asked.

Examples:
  reimage verify                                  # the whole tree
  reimage verify deploy/ --format github          # annotations in a pull request";

/// `--verify` and its companions on `rename`, `check` and `list`.
#[derive(Debug, clap::Args)]
pub(crate) struct RegistryArgs {
    /// Ask each registry whether the references (a rename's new names) exist; a missing one is
    /// reported as missing-target and not written. Uses the network.
    #[arg(long, help_heading = "Registries")]
    verify: bool,
    /// With --verify: when a digest carried to a new name is not there, pin the digest the
    /// registry gives for the new name's tag instead (never a guess).
    #[arg(long, requires = "verify", help_heading = "Registries")]
    resolve_digests: bool,
    /// Ask HOST[:PORT] over plain HTTP (loopback hosts always are). Repeatable.
    #[arg(
        long,
        value_name = "HOST",
        requires = "verify",
        help_heading = "Registries"
    )]
    insecure_registry: Vec<String>,
    /// Ask MIRROR for REGISTRY's references (REGISTRY=MIRROR, such as
    /// docker.io=mirror.example:5000); the answers are the mirror's. Repeatable.
    #[arg(long, value_name = "REGISTRY=MIRROR", value_parser = mirror, requires = "verify", help_heading = "Registries")]
    registry_mirror: Vec<(String, String)>,
}

impl RegistryArgs {
    /// Checks `report`'s references when `--verify` is given.
    pub(super) fn apply(&self, report: &mut Report, quiet: bool) -> Result<(), Error> {
        if !self.verify {
            return Ok(());
        }
        let hosts = Hosts {
            insecure: &self.insecure_registry,
            mirrors: &self.registry_mirror,
        };
        ask_registries(report, &hosts, self.resolve_digests, quiet)
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// Paths to search (default: .).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) common: Common,
    /// Ask HOST[:PORT] over plain HTTP (loopback hosts always are). Repeatable.
    #[arg(long, value_name = "HOST", help_heading = "Registries")]
    insecure_registry: Vec<String>,
    /// Ask MIRROR for REGISTRY's references (REGISTRY=MIRROR, such as
    /// docker.io=mirror.example:5000); the answers are the mirror's. Repeatable.
    #[arg(long, value_name = "REGISTRY=MIRROR", value_parser = mirror, help_heading = "Registries")]
    registry_mirror: Vec<(String, String)>,
}

impl VerifyArgs {
    pub(super) fn run(self, out: &mut dyn Write) -> Result<ExitStatus, Error> {
        let session = Session::new(self.common, &self.paths)?;
        let mut report = session.scan(&|_| Ok(Vec::new()), Mode::Verify, &[])?;
        let hosts = Hosts {
            insecure: &self.insecure_registry,
            mirrors: &self.registry_mirror,
        };
        ask_registries(&mut report, &hosts, false, session.common.quiet)?;
        session.render(&report, false, GroupBy::default(), out)?;
        Ok(ExitStatus::of(&report, false))
    }
}

/// `REGISTRY=MIRROR`.
fn mirror(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((from, to)) if !from.is_empty() && !to.is_empty() && !to.contains('/') => {
            Ok((from.to_owned(), to.to_owned()))
        }
        _ => Err("expected REGISTRY=MIRROR, such as docker.io=127.0.0.1:5000".to_owned()),
    }
}

/// Which hosts are asked how.
#[derive(Debug)]
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
struct Hosts<'a> {
    insecure: &'a [String],
    mirrors: &'a [(String, String)],
}

/// Runs the verify pass over `report` with the HTTP client.
#[cfg(feature = "verify")]
fn ask_registries(
    report: &mut Report,
    hosts: &Hosts<'_>,
    resolve_digests: bool,
    quiet: bool,
) -> Result<(), Error> {
    use reimage::registry::{self, Client, ClientOptions, Options};
    let client = Client::new(ClientOptions {
        insecure: hosts.insecure.to_vec(),
        mirrors: hosts.mirrors.to_vec(),
        ..ClientOptions::default()
    });
    let options = Options {
        resolve_digests,
        ..Options::default()
    };
    let done = registry::verify(report, &client, &options);
    if !quiet {
        let skipped = match done.skipped {
            0 => String::new(),
            n => format!("; {n} not verifiable (templated, or no registry)"),
        };
        eprintln!(
            "reimage: verified {}: {} distinct asked, {}{skipped}",
            super::plural(done.checked, "reference"),
            done.asked,
            super::plural(client.requests(), "HTTP request"),
        );
    }
    Ok(())
}

#[cfg(not(feature = "verify"))]
fn ask_registries(_: &mut Report, _: &Hosts<'_>, _: bool, _: bool) -> Result<(), Error> {
    Err(super::Usage::NoVerifySupport.into())
}
