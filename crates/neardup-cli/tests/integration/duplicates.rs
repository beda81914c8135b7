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

/// One site's template: a menu of short labels, a sidebar (a heading, a list
/// of headlines, an about paragraph) and a footer, the same on every page.
fn site_template(site: u64) -> (String, String) {
    let label = |k: u64| {
        let text = article(900 + site * 100 + k, 1);
        let words: Vec<&str> = text
            .split_whitespace()
            .take(1 + (k % 2) as usize)
            .map(|w| w.trim_end_matches('.'))
            .collect();
        words.join(" ")
    };
    let menu: Vec<String> = (0..12).map(label).collect();
    let headlines: Vec<String> = (0..10)
        .map(|k| {
            article(950 + site * 100 + k, 1)
                .split_whitespace()
                .take(8)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let about = article(990 + site * 100, 2);
    let head = format!("{}\n", menu.join("\n"));
    let foot = format!(
        "{}\n{}\n{}{}\nCopyright {} {}\n",
        label(20),
        headlines.join("\n"),
        about,
        (30..34).map(label).collect::<Vec<_>>().join("\n"),
        2010 + site,
        label(40)
    );
    (head, foot)
}

/// Distinct short articles, each in its site's long template, several
/// sites; true copies inside the templates: a page scraped again, a long
/// article edited, a long article cut short.
#[test]
fn pages_of_one_site_are_not_copies_of_each_other() {
    let (dir, input) = input_dir();
    let mut truth: Vec<(String, Option<String>)> = Vec::new();
    let mut n = 0;
    let mut put = |text: String, copy_of: Option<String>| {
        let name = format!("{n:03}.txt");
        n += 1;
        fs::write(input.join(&name), text).unwrap();
        truth.push((name.clone(), copy_of));
        name
    };
    let mut cut = Vec::new();
    for site in 0..3u64 {
        let (head, foot) = site_template(site);
        let page = |body: &str| format!("{head}{body}{foot}");
        for k in 0..14u64 {
            // A title and a sentence of about 120 characters: the site's
            // template is most of the page.
            let text = article(5000 + site * 100 + k, 1);
            let body: Vec<&str> = text.split_whitespace().take(14).collect();
            let short = page(&format!("Story {site} {k}\n{}.\n", body.join(" ")));
            let name = put(short.clone(), None);
            if k == 0 {
                put(short, Some(name));
            }
        }
        let long = article(6000 + site, 8);
        let name = put(page(&long), None);
        let copy = edit(&long, 3, site);
        assert!(jaccard5(&long, &copy) >= 0.85);
        put(page(&copy), Some(name.clone()));
        let long = article(7000 + site, 10);
        put(page(&long), None);
        let half: String = long.split_inclusive("\n\n").take(4).collect();
        cut.push(put(page(&half), None));
    }
    let out = ok(&["scan", s(&input), "--quiet"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = r["documents"].as_array().unwrap();
    for ((name, copy_of), doc) in truth.iter().zip(docs) {
        assert_eq!(doc["id"], name.as_str());
        match copy_of {
            Some(of) => {
                assert_eq!(doc["status"], "dropped", "{name}: {doc}");
                assert_eq!(doc["duplicate_of"]["id"], of.as_str(), "{name}");
            }
            None => assert_eq!(doc["status"], "kept", "{name} is no copy: {doc}"),
        }
        assert!(
            doc["compared"]["shared_words"].as_u64().unwrap() > 0,
            "the template is set aside: {doc}"
        );
    }
    // With containment on, the pages cut short go too, as copies of their
    // long originals (the page before each).
    let out = ok(&["scan", s(&input), "--quiet", "--containment", "0.9"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = r["documents"].as_array().unwrap();
    for name in &cut {
        let doc = docs.iter().find(|d| d["id"] == name.as_str()).unwrap();
        assert_eq!(doc["rule"], "contained_duplicate", "{doc}");
        let of = doc["duplicate_of"]["index"].as_u64().unwrap();
        assert_eq!(of + 1, doc["index"].as_u64().unwrap(), "{doc}");
        assert!(doc["duplicate_of"]["containment"].as_f64().unwrap() >= 0.9);
    }
    let dropped = docs.iter().filter(|d| d["status"] == "dropped").count();
    assert_eq!(
        dropped,
        truth.iter().filter(|t| t.1.is_some()).count() + cut.len()
    );
    drop(dir);
}

/// Chains of near copies (each document an edit of the one before, so
/// neighbours are near copies and the ends of a chain are not), in a
/// shuffled order: no document is reported as a copy of a dropped one, or
/// at a similarity below the threshold.
#[test]
fn chains_of_near_copies_never_drop_below_the_threshold() {
    let (_dir, input) = input_dir();
    let mut rng = Rng(77);
    let mut texts = Vec::new();
    for chain in 0..6u64 {
        let mut text = article(3000 + chain, 6);
        for step in 0..12u64 {
            texts.push(text.clone());
            text = edit(&text, 12, chain * 100 + step);
        }
    }
    // A shuffled input order.
    for i in (1..texts.len()).rev() {
        texts.swap(i, rng.below(i as u64 + 1) as usize);
    }
    for (i, t) in texts.iter().enumerate() {
        fs::write(input.join(format!("{i:03}.txt")), t).unwrap();
    }
    let out = ok(&["scan", s(&input), "--quiet", "--documents-only"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = r["documents"].as_array().unwrap();
    let mut dropped = 0;
    for doc in docs.iter().filter(|d| d["status"] == "dropped") {
        dropped += 1;
        let twin = &doc["duplicate_of"];
        let of = twin["index"].as_u64().unwrap() as usize;
        assert_eq!(docs[of]["status"], "kept", "{doc}");
        assert!(of < doc["index"].as_u64().unwrap() as usize);
        assert!(twin["similarity"].as_f64().unwrap() >= 0.8, "{doc}");
        let i = doc["index"].as_u64().unwrap() as usize;
        let exact = jaccard5(&texts[i], &texts[of]);
        assert!(
            exact >= 0.7,
            "estimated {} for a true {exact}",
            twin["similarity"]
        );
    }
    assert!(dropped > 20, "the chains hold near copies: {dropped}");
    assert!(dropped < 66, "and documents that are not: {dropped}");
}
