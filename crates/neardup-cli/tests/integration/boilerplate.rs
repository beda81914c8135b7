//! Boilerplate removal on whole page dumps: the body classifier in several
//! languages, user rules, and `--keep-boilerplate`.

use crate::helpers::{input_dir, ok, report, s};
use serde_json::Value;
use std::path::Path;

/// A page as a naive scraper saves it: menu, headline, byline, article,
/// share buttons, a related-stories teaser list, a footer.
struct Page {
    menu: &'static [&'static str],
    headline: &'static str,
    body: &'static [&'static str],
    after: &'static [&'static str],
}

impl Page {
    fn text(&self) -> String {
        let mut lines: Vec<&str> = self.menu.to_vec();
        lines.push(self.headline);
        lines.extend(self.body);
        lines.extend(self.after);
        lines.join("\n") + "\n"
    }
}

const GERMAN: Page = Page {
    menu: &[
        "Startseite",
        "Politik",
        "Wirtschaft",
        "Sport",
        "Kultur",
        "Anmelden",
    ],
    headline: "Stadtrat beschließt neuen Radweg entlang des Flusses",
    body: &[
        "Der Stadtrat hat am Dienstagabend mit großer Mehrheit beschlossen, dass entlang des Flusses ein neuer Radweg gebaut wird.",
        "Die Arbeiten sollen im Frühjahr beginnen und nach Angaben der Verwaltung etwa zwei Jahre dauern.",
        "Kosten und Zeitplan",
        "Die Kosten werden auf rund zwölf Millionen Euro geschätzt, wobei ein Teil davon vom Land übernommen wird.",
        "Kritiker bemängeln, dass die Planung ohne ausreichende Beteiligung der Anwohner erfolgt sei und der Baumbestand leide.",
    ],
    after: &[
        "Teilen",
        "Drucken",
        "Kommentare",
        "Mehr zum Thema",
        "Impressum",
        "Datenschutz",
        "Kontakt",
        "Cookie-Einstellungen",
    ],
};

const CHINESE: Page = Page {
    menu: &["首页", "新闻", "体育", "财经", "科技", "登录"],
    headline: "市政府宣布扩建城市公园计划",
    body: &[
        "市政府周二宣布，将在未来两年内扩建位于城市东部的中央公园，新增绿地面积约二十公顷。",
        "据介绍，这项工程的总投资约为三亿元，其中一部分资金来自省级财政的专项补助。",
        "公园管理处表示，扩建后的公园将增加儿童游乐区和自行车道，并且保留原有的湖泊和古树。",
        "不少市民认为，这个计划能够改善周边居民的生活环境，但也有人担心施工期间的交通问题。",
    ],
    after: &[
        "分享",
        "收藏",
        "相关新闻",
        "关于我们",
        "联系我们",
        "隐私政策",
    ],
};

const RUSSIAN: Page = Page {
    menu: &[
        "Главная",
        "Новости",
        "Спорт",
        "Экономика",
        "Войти",
    ],
    headline: "Городские власти объявили о ремонте центрального моста",
    body: &[
        "Городские власти во вторник объявили, что ремонт центрального моста начнется уже в следующем месяце.",
        "По словам представителей администрации, работы продлятся около полутора лет и обойдутся бюджету в значительную сумму.",
        "Что изменится для водителей",
        "На время ремонта движение по мосту будет частично ограничено, а для автобусов организуют объездные маршруты.",
        "Жители соседних районов выразили опасение, что пробки в часы пик станут еще длиннее, чем сейчас.",
    ],
    after: &[
        "Поделиться",
        "Комментарии",
        "Читайте также",
        "О проекте",
        "Контакты",
        "Реклама",
    ],
};

/// Cleans one page and returns (cleaned text, report entry).
fn clean_page(name: &str, text: &str, extra: &[&str]) -> (String, Value) {
    let (dir, input) = input_dir();
    std::fs::write(input.join(name), text).unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["clean", s(&input), "--out", s(&out), "--quiet"];
    args.extend(extra);
    ok(&args);
    let cleaned = std::fs::read_to_string(out.join(name)).unwrap();
    let doc = report(&out.join("report.json"))["documents"][0].clone();
    (cleaned, doc)
}

fn removed_rules(doc: &Value, key: &str) -> Vec<(String, String)> {
    doc[key]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["text"].as_str().unwrap().trim().to_string(),
                        r["rule"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn check_page(page: &Page, name: &str) {
    let (cleaned, doc) = clean_page(name, &page.text(), &[]);
    // The headline and every line of the article stay, in order, headings
    // included; nothing else does.
    let mut expected = vec![page.headline];
    expected.extend(page.body);
    assert_eq!(cleaned, expected.join("\n") + "\n", "{name}");
    let removed = removed_rules(&doc, "removed");
    assert_eq!(removed.len(), page.menu.len() + page.after.len(), "{name}");
    for (text, rule) in &removed {
        assert_eq!(rule, "outside_body", "{name}: {text}");
    }
    assert!(doc["removed"][0]["score"].as_f64().unwrap() < 0.0);
}

#[test]
fn german_page() {
    check_page(&GERMAN, "de.txt");
}

#[test]
fn chinese_page() {
    check_page(&CHINESE, "zh.txt");
}

#[test]
fn russian_page() {
    check_page(&RUSSIAN, "ru.txt");
}

#[test]
fn keep_boilerplate_reports_but_writes_through() {
    let text = GERMAN.text();
    let (cleaned, doc) = clean_page("de.txt", &text, &["--keep-boilerplate"]);
    assert_eq!(cleaned, text);
    assert!(doc["removed"].as_array().unwrap().is_empty());
    let flagged = removed_rules(&doc, "flagged");
    assert_eq!(flagged.len(), GERMAN.menu.len() + GERMAN.after.len());
    // Each flagged span is the original's text at that range.
    for f in doc["flagged"].as_array().unwrap() {
        let (a, b) = (f["start"].as_u64().unwrap(), f["end"].as_u64().unwrap());
        assert_eq!(&text[a as usize..b as usize], f["text"].as_str().unwrap());
    }
}

#[test]
fn profiles_choose_what_a_run_looks_for() {
    let text = GERMAN.text();
    // Already-extracted text: no body selection, so the page stays whole.
    let (cleaned, doc) = clean_page("de.txt", &text, &["--profile", "dedup"]);
    assert_eq!(cleaned, text);
    assert!(doc["removed"].as_array().unwrap().is_empty());
    let (cleaned, _) = clean_page("de.txt", &text, &["--profile", "full"]);
    assert_eq!(cleaned, clean_page("de.txt", &text, &[]).0);
    assert_ne!(cleaned, text);
    // `--documents-only` is the documents profile, to the byte.
    let (dir, input) = input_dir();
    std::fs::write(input.join("de.txt"), &text).unwrap();
    let flags: [&[&str]; 2] = [&["--profile", "documents"], &["--documents-only"]];
    let reports: Vec<Vec<u8>> = flags
        .iter()
        .enumerate()
        .map(|(k, flags)| {
            let out = dir.path().join(format!("out{k}"));
            ok(&[&["clean", s(&input), "--out", s(&out), "-q"], *flags].concat());
            std::fs::read(out.join("report.json")).unwrap()
        })
        .collect();
    assert_eq!(reports[0], reports[1]);
}

#[test]
fn user_rules_drop_and_keep_and_are_named_in_the_report() {
    let (dir, _) = input_dir();
    let rules = dir.path().join("rules.txt");
    std::fs::write(
        &rules,
        "# site furniture\ndrop die Planung ohne\nkeep /^Impressum$/\n",
    )
    .unwrap();
    let (cleaned, doc) = clean_page(
        "de.txt",
        &GERMAN.text(),
        &["--rules", rules.to_str().unwrap()],
    );
    assert!(cleaned.contains("Impressum\n"), "pinned line kept");
    assert!(!cleaned.contains("Kritiker"), "dropped by the user rule");
    let entry = doc["removed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "user_rule")
        .expect("user rule reported")
        .clone();
    let described = entry["user_rule"].as_str().unwrap();
    assert!(
        described.ends_with("rules.txt:2: drop die Planung ohne"),
        "{described}"
    );
    assert!(Path::new(described.split(':').next().unwrap()).ends_with("rules.txt"));
}

#[test]
fn bad_rules_file_is_a_clear_error() {
    let (dir, input) = input_dir();
    std::fs::write(input.join("a.txt"), "Some text.\n").unwrap();
    let rules = dir.path().join("rules.txt");
    std::fs::write(&rules, "drop ok\nkeep /[unclosed/\n").unwrap();
    let out = dir.path().join("out");
    let err =
        crate::helpers::misused(&["clean", s(&input), "--out", s(&out), "--rules", s(&rules)]);
    assert!(err.contains("rules.txt:2: invalid pattern"), "{err}");
    assert!(!out.exists());
}
