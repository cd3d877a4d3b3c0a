//! Format fixtures as data: `testdata/formats/<case>/` holds `cmd` (the reimage arguments),
//! `in/` (a tree), `out/` (the tree after `cmd -w`) and `review.txt` (the `path:line` of every
//! expected review finding). Each case is checked byte for byte, then for idempotence.

mod common;

use std::fs;

use common::{assert_same_tree, snapshot, testdata_path, Tree};

fn cases() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(testdata_path("formats"))
        .expect("testdata/formats exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn check_case(name: &str) -> Result<(), String> {
    let dir = testdata_path("formats").join(name);
    let cmd = fs::read_to_string(dir.join("cmd")).map_err(|e| format!("{name}/cmd: {e}"))?;
    let args: Vec<&str> = cmd.split_whitespace().collect();
    let tree = Tree::copy_of(&format!("formats/{name}/in"));

    let mut json_args = args.clone();
    json_args.extend(["--format", "json", "."]);
    let doc = tree.run(&json_args).json();
    let mut reviews: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["action"] == "review")
        .map(|f| format!("{}:{}", f["path"].as_str().unwrap(), f["line"]))
        .collect();
    reviews.sort();
    let expected = fs::read_to_string(dir.join("review.txt")).unwrap_or_default();
    let mut expected: Vec<String> = expected
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    expected.sort();
    if reviews != expected {
        return Err(format!(
            "{name}: review findings {reviews:?}, expected {expected:?}"
        ));
    }

    let mut write_args = args.clone();
    write_args.extend(["-w", "."]);
    let run = tree.run(&write_args);
    if run.code() != 0 {
        return Err(format!(
            "{name}: exit {}: {}{}",
            run.code(),
            run.stdout(),
            run.stderr()
        ));
    }
    let got = tree.snapshot();
    let want = snapshot(&dir.join("out"));
    if let Err(panic) = std::panic::catch_unwind(|| assert_same_tree(&got, &want)) {
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        return Err(format!("{name}: {message}\nreport:\n{}", run.stdout()));
    }
    let again = tree.run(&write_args);
    if !again.stdout().contains("nothing to change") {
        return Err(format!(
            "{name}: second run changed more:\n{}",
            again.stdout()
        ));
    }
    Ok(())
}

#[test]
fn every_format_case_renames_to_its_expected_tree() {
    let failures: Vec<String> = cases().iter().filter_map(|c| check_case(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
