//! Image transports in any text: the name right after `docker://` or `docker-image://` (skopeo,
//! crane, BuildKit) is an image by its place, whatever the line's syntax. (`oci://` names any
//! artifact, a Helm chart repository too, so it vouches for no short name.)

use crate::find::site::LineSite;
use crate::find::token::is_ref_byte;
use crate::find::vocabulary::IMAGE_TRANSPORTS;
use crate::finding::Confidence;

/// The names after an image transport on `line`: from the end of `docker://` to the end of the
/// run of reference bytes. A transport glued to a word (`mydocker://`) is none.
pub(super) fn sites(line: &[u8]) -> Vec<LineSite> {
    let mut found = Vec::new();
    for transport in IMAGE_TRANSPORTS {
        for at in memchr::memmem::find_iter(line, transport.as_bytes()) {
            if at > 0 && is_ref_byte(line[at - 1]) {
                continue;
            }
            let start = at + transport.len();
            let end = line[start..]
                .iter()
                .position(|&b| !is_ref_byte(b))
                .map_or(line.len(), |n| start + n);
            if end > start {
                found.push((start..end, Confidence::Command));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<&str> {
        sites(line.as_bytes())
            .into_iter()
            .map(|(span, _)| &line[span])
            .collect()
    }

    #[test]
    fn the_name_after_a_transport_is_a_site() {
        assert_eq!(
            names("skopeo copy docker://nginx:1.25 docker://ghcr.io/acme/nginx:1.25"),
            ["nginx:1.25", "ghcr.io/acme/nginx:1.25"]
        );
        assert_eq!(names("FROM docker-image://alpine:3"), ["alpine:3"]);
        assert!(names("helm pull oci://ghcr.io/o/charts/app").is_empty());
        assert_eq!(names("`docker://busybox`."), ["busybox"]);
    }

    #[test]
    fn glued_or_empty_transports_are_not_sites() {
        assert!(names("mydocker://nginx").is_empty());
        assert!(names("docker://${IMAGE}").is_empty());
        assert!(names("the docker:// transport").is_empty());
    }
}
