//! Registry and prefix settings (`REGISTRY ?= k8s.gcr.io`, `imageRepository: k8s.gcr.io`): what
//! the prefix rules of a [`RuleSet`] say about a value that names a registry or a prefix alone,
//! not an image.

use super::{RuleSet, Target};

/// What a prefix rule says about a registry or prefix setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SettingVerdict {
    /// The setting is the rule's prefix: it becomes `to` (`None`: a deny rule, stale).
    Moves { rule: usize, to: Option<String> },
    /// The rule moves only a part of what the setting names.
    MovesPart { rule: usize },
}

impl RuleSet {
    /// A prefix rule whose prefix is exactly `value` (`k8s.gcr.io` in a Helm `registry:`), and
    /// the text to write instead.
    pub(crate) fn bare_prefix(&self, value: &str) -> Option<(usize, Option<String>)> {
        let &index = self.by_bare_prefix.get(value)?;
        let to = match &self.rules[index].target {
            Some(Target::Prefix { base }) => Some(base.clone()),
            _ => None,
        };
        Some((index, to))
    }

    /// What a prefix rule says about a registry or prefix setting's `value` (`k8s.gcr.io`,
    /// `gcr.io/o/demo/`): it moves it whole (its prefix, as written or as the same registry, with
    /// or without the trailing `/`), or it moves only a part of it (`quay.io` under
    /// `quay.io/prometheus/`), or nothing.
    pub(crate) fn setting(&self, value: &str) -> Option<SettingVerdict> {
        let value = value.strip_suffix('/').unwrap_or(value);
        if value.is_empty() || !value.contains(['.', ':']) && value != "localhost" {
            return None;
        }
        if let Some((rule, to)) = self.bare_prefix(value) {
            if self.rules[rule].condition.is_none() {
                return Some(SettingVerdict::Moves { rule, to });
            }
        }
        let (domain, path) = value.split_once('/').unwrap_or((value, ""));
        if domain.contains('/') || !domain.contains(['.', ':']) && domain != "localhost" {
            return None;
        }
        let domain = crate::image_ref::normalize_domain(domain);
        let mut narrower = None;
        for ((rule_domain, rule_path), indices) in &self.by_prefix {
            if rule_domain != domain {
                continue;
            }
            let Some(&first) = indices.iter().min() else {
                continue;
            };
            if *rule_path == path {
                // A setting has no tag: only a rule without a tag condition moves it whole.
                let Some(&index) = indices
                    .iter()
                    .filter(|&&i| self.rules[i].condition.is_none())
                    .min()
                else {
                    return Some(SettingVerdict::MovesPart { rule: first });
                };
                let to = match &self.rules[index].target {
                    Some(Target::Prefix { base }) => Some(base.clone()),
                    _ => None,
                };
                return Some(SettingVerdict::Moves { rule: index, to });
            }
            let under = path.is_empty()
                || rule_path
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/'));
            if under {
                narrower = Some(narrower.map_or(first, |i: usize| i.min(first)));
            }
        }
        narrower.map(|rule| SettingVerdict::MovesPart { rule })
    }

    /// The registries of prefix rules with a path (`quay.io` for `quay.io/prometheus/`): a
    /// setting holding one alone (`registry: quay.io`) is a review, found by this text.
    pub(crate) fn setting_needles(&self) -> Vec<String> {
        let mut needles: Vec<String> = self
            .by_prefix
            .keys()
            .filter(|(_, path)| !path.is_empty())
            .map(|(domain, _)| domain.clone())
            .collect();
        needles.sort();
        needles.dedup();
        needles
    }
}
