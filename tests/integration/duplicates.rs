//! Near-duplicate documents across a corpus: clusters found, first kept.

use crate::helpers::*;
use std::fs;

/// 40 distinct articles; 10 of them get 3 edited copies each (0.3% to 0.9% of
/// words changed: true Jaccard above 0.85, checked below), placed after the
/// original; 5 get an exact copy.
fn corpus(dir: &std::path::Path) -> Vec<(String, Option<String>)> {
    let mut expected = Vec::new();
    let mut n = 0;
    let mut put =
        |text: &str, dup_of: Option<String>, expected: &mut Vec<(String, Option<String>)>| {
            let name = format!("{n:03}.txt");
            n += 1;
            fs::write(dir.join(&name), text).unwrap();
            expected.push((name, dup_of));
        };
    for i in 0..40u64 {
        let text = article(100 + i, 8);
        let first = format!("{:03}.txt", expected.len());
        put(&text, None, &mut expected);
        if i % 4 == 0 {
            for k in 1..=3 {
                let copy = edit(&text, 3 * k, i * 10 + k);
                assert!(
                    jaccard5(&text, &copy) >= 0.85,
                    "fixture stays above the threshold"
                );
                put(&copy, Some(first.clone()), &mut expected);
            }
        }
        if i % 8 == 1 {
            put(
                &text.replace("\n\n", "\n"),
                Some(first.clone()),
                &mut expected,
            );
        }
    }
    expected
}

#[test]
fn clusters_are_found_and_the_first_is_kept() {
    let (dir, input) = input_dir();
    let expected = corpus(&input);
    let out = dir.path().join("out");
    ok(&["clean", s(&input), "--out", s(&out)]);
    let r = report(&out.join("report.json"));
    for ((name, dup_of), doc) in expected.iter().zip(r["documents"].as_array().unwrap()) {
        assert_eq!(doc["id"], name.as_str());
        match dup_of {
            None => {
                assert_eq!(doc["status"], "kept", "{name}");
                assert!(out.join(name).exists());
            }
            Some(orig) => {
                assert_eq!(doc["status"], "dropped", "{name}");
                assert_eq!(doc["duplicate_of"]["id"], orig.as_str(), "{name}");
                assert!(
                    !out.join(name).exists(),
                    "dropped documents are not written"
                );
            }
        }
    }
}

#[test]
fn unrelated_documents_on_one_topic_are_not_merged() {
    let (_dir, input) = input_dir();
    // Same opening and closing paragraph, different bodies: under 0.8.
    let shared_head = article(7, 1);
    for i in 0..6u64 {
        fs::write(
            input.join(format!("{i}.txt")),
            format!("{shared_head}{}", article(200 + i, 6)),
        )
        .unwrap();
    }
    let out = ok(&["scan", s(&input), "--quiet"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["documents_dropped"], 0);
    // The shared paragraph is reported, not removed.
    assert_eq!(r["summary"]["shared_passages_found"], 5);
    assert_eq!(r["summary"]["segments_removed"], 0);
    let with_removal = ok(&["scan", s(&input), "--remove-shared", "--quiet"]);
    let r: serde_json::Value = serde_json::from_slice(&with_removal.stdout).unwrap();
    assert_eq!(r["summary"]["removed_by_rule"]["shared_passage"], 5);
    assert_eq!(
        r["documents"][3]["removed"][0]["duplicate_of"]["id"],
        "0.txt"
    );
}

#[test]
fn template_lines_across_many_documents_are_boilerplate() {
    let (_dir, input) = input_dir();
    for i in 0..12u64 {
        let text = format!(
            "Home | World | Sport | Contact\n\n{}Copyright {} Example Media Group. All rights reserved.\n",
            article(300 + i, 4),
            2000 + i
        );
        fs::write(input.join(format!("{i:02}.txt")), text).unwrap();
    }
    let out = ok(&["scan", s(&input), "--quiet", "--template-min-docs", "10"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["summary"]["removed_by_rule"]["corpus_template"], 24,
        "{}",
        r["summary"]
    );
    assert_eq!(r["top_templates"][0]["documents"], 12);
    let off = ok(&["scan", s(&input), "--quiet", "--template-min-docs", "0"]);
    let r: serde_json::Value = serde_json::from_slice(&off.stdout).unwrap();
    assert!(r["summary"]["removed_by_rule"]["corpus_template"].is_null());
}

#[test]
fn labels_above_a_template_footer_go_in_one_pass() {
    // Regression (WCXB pages): a footer of template lines hid the interface
    // label above it, which a second cleaning then removed.
    let (dir, input) = input_dir();
    for i in 0..12u64 {
        // Labels vary, so none of them is a template itself.
        let label = ["Sign up now", "Read more", "Share this story", "Comments"][i as usize % 4];
        let text = format!(
            "{}{label}\nPrivacy Policy\nTerms of Use\nCopyright {} Example Media Group. All rights reserved.\n",
            article(400 + i, 3),
            2000 + i
        );
        fs::write(input.join(format!("{i:02}.txt")), text).unwrap();
    }
    let (once, twice) = (dir.path().join("once"), dir.path().join("twice"));
    ok(&["clean", s(&input), "--out", s(&once)]);
    let r = report(&once.join("report.json"));
    assert_eq!(
        r["summary"]["removed_by_rule"]["trailing_block"], 12,
        "{}",
        r["summary"]
    );
    assert_eq!(
        r["summary"]["removed_by_rule"]["corpus_template"], 36,
        "{}",
        r["summary"]
    );
    ok(&["clean", s(&once), "--out", s(&twice)]);
    let r = report(&twice.join("report.json"));
    assert_eq!(r["summary"]["segments_removed"], 0, "{}", r["summary"]);
}
