//! reimage: find every reference to a container image across repositories, rewrite it, report it.
//!
//! The pipeline flows one way: `walk` → `classify` → `find` → `plan` → `apply` → `report`.
//! `image_ref` (the reference grammar) and `rule` (what a rule matches) are pure.

pub mod image_ref;

pub use image_ref::{ImageRef, RefError};
pub mod rule;

pub use rule::{RuleError, RuleSet, RuleSpec};
