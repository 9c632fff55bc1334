//! The lesson engine judged on the in-memory lab, as a learner types: what counts (a frame that
//! arrived, not one dropped at the gate), what is accepted (every filter that reaches the topics),
//! what a near miss says, order, time, resuming, and `lessons check` on good and bad files.

use mqtt_lab::app::course::{Entry, Progress, Record};
use mqtt_lab::app::{Action, Narration};
use mqtt_lab::headless::{Headless, check_lesson};
use mqtt_lab::i18n::Lang;
use mqtt_lab::lesson::{StepState, parse_lesson};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

fn lesson(yaml: &str) -> Arc<mqtt_lab::lesson::Lesson> {
    Arc::new(parse_lesson("t.yaml", yaml).unwrap_or_else(|e| panic!("{}", e[0])))
}

fn open(yaml: &str) -> Headless {
    let mut h = Headless::new(Lang::En, Instant::now());
    h.load(vec![Entry { lesson: lesson(yaml), path: "t.yaml".into() }]);
    h.act(Action::OpenLesson(0));
    h.wait(0.5);
    h
}

fn step(h: &Headless) -> usize {
    h.app.course.run.as_ref().unwrap().step
}

fn miss(h: &Headless) -> String {
    h.app.course.run.as_ref().unwrap().miss.as_ref().map(|m| m.en.clone()).unwrap_or_default()
}

const HEAD: &str = "format_version: 1\nid: \"T-1\"\npart: extra\ntitle: { zh: 测试, en: A test }\n";

#[test]
fn a_dropped_frame_does_not_count_and_a_released_one_does() {
    let mut h = open(&format!(
        "{HEAD}cast: [car, phone]\nsetup: [\"phone sub car/speed -q 1\"]\nsteps:\n  - say: {{ zh: 发布。, en: Publish. }}\n    expect:\n      frame: {{ type: PUBLISH, from: car, to: broker, where: [\"qos == 1\"] }}\n    solution: [\"car pub car/speed 60 -q 1\"]\n  - say: {{ zh: 完。, en: End. }}\n"
    ));
    h.type_line("step on");
    h.type_line("car pub car/speed 60 -q 1");
    h.wait(2.0);
    assert_eq!(step(&h), 0, "a held frame has not arrived");
    h.type_line("drop");
    h.wait(2.0);
    assert_eq!(step(&h), 0, "a dropped frame never arrives");
    // The car resends only when it reconnects [MQTT-4.4.0-1]; a new publish, released, counts.
    h.type_line("car pub car/speed 61 -q 1");
    h.wait(0.5);
    assert_eq!(step(&h), 0);
    h.type_line("next");
    h.wait(0.5);
    assert_eq!(step(&h), 1, "the released frame arrived");
}

#[test]
fn every_filter_that_reaches_the_topics_passes_and_a_wider_one_is_named() {
    for (filter, ok) in
        [("car/speed", true), ("car/+", true), ("car/#", false), ("+/speed", true), ("#", false), ("car/speed/#", true)]
    {
        let mut h = open(&format!(
            "{HEAD}cast: [phone]\nsteps:\n  - say: {{ zh: 订阅。, en: Subscribe. }}\n    expect:\n      subscribed: {{ client: phone, topics: [car/speed], not: [car/ac/temp] }}\n    solution: [\"phone sub car/speed\"]\n  - say: {{ zh: 完。, en: End. }}\n"
        ));
        h.type_line(&format!("phone sub {filter}"));
        h.wait(0.5);
        assert_eq!(step(&h) == 1, ok, "{filter}");
        if !ok {
            assert!(miss(&h).contains("also reach car/ac/temp"), "{filter}: {}", miss(&h));
        }
    }
}

#[test]
fn a_near_miss_names_the_field_that_differs() {
    let mut h = open(&format!(
        "{HEAD}cast: [car]\nsteps:\n  - say: {{ zh: 持久会话。, en: A persistent session. }}\n    expect:\n      frame: {{ type: CONNECT, from: car, where: [\"clean_session == 0\"] }}\n    solution: [\"car connect --clean false\"]\n  - say: {{ zh: 完。, en: End. }}\n"
    ));
    h.type_line("car connect");
    h.wait(0.5);
    assert_eq!(step(&h), 0);
    let m = miss(&h);
    assert!(m.starts_with("CONNECT ") && m.contains("was 1; the step wants == 0"), "{m}");
    let said = h.app.narration.iter().any(|(_, n)| matches!(n, Narration::Note { text, .. } if text.en == m));
    assert!(said, "the near miss is in the narration too");
    h.type_line("car connect --clean false");
    h.wait(0.5);
    assert_eq!(step(&h), 1);
}

#[test]
fn a_sequence_holds_only_in_its_order() {
    let yaml = format!(
        "{HEAD}cast: [car, phone]\nsteps:\n  - say: {{ zh: 先订阅再发布。, en: \"Subscribe, then publish.\" }}\n    expect:\n      sequence:\n        - receives: {{ client: phone, topic: a }}\n        - broker: {{ event: subscribed, client: phone, filter: b }}\n    solution: [\"phone sub a\", \"car pub a 1\", \"phone sub b\"]\n  - say: {{ zh: 完。, en: End. }}\n"
    );
    let mut h = open(&yaml);
    h.type_line("phone sub b");
    h.type_line("phone sub a");
    h.type_line("car pub a 1");
    h.wait(0.5);
    assert_eq!(step(&h), 0, "the subscription to b came first");
    h.type_line("phone unsub b");
    h.type_line("phone sub b");
    h.wait(0.5);
    assert_eq!(step(&h), 1);
}

#[test]
fn a_keep_alive_lesson_checks_in_virtual_time() {
    let yaml = format!(
        "{HEAD}cast: [\"car --keepalive 60 --will-topic car/status --will-msg gone\", phone]\nsetup: [\"phone sub car/status\"]\nsteps:\n  - say: {{ zh: 进隧道。, en: Into the tunnel. }}\n    expect:\n      sequence:\n        - none: {{ of: {{ broker: {{ event: will_published, client: car }} }}, for: 80 }}\n        - broker: {{ event: will_published, client: car, cause: keepalive }}\n    solution: [\"car cut\", \"wait 95\"]\n"
    );
    let t = Instant::now();
    let r = check_lesson(lesson(&yaml), "t.yaml", Lang::En, Instant::now());
    assert!(r.passed(), "{r:?}");
    assert!(r.secs >= 90.0, "the will came after 1.5 × 60 s: {}", r.secs);
    assert!(t.elapsed().as_secs_f64() < 5.0, "virtual time: {:?}", t.elapsed());
    // Cut, then wait too little: the will is not there yet, and the check says which step.
    let short = yaml.replace("wait 95", "wait 10");
    let r = check_lesson(lesson(&short), "t.yaml", Lang::En, Instant::now());
    assert!(!r.passed());
    assert_eq!(r.steps.last().unwrap().index, 0);
}

#[test]
fn a_quiz_scores_the_first_try() {
    let yaml = format!(
        "{HEAD}steps:\n  - say: {{ zh: 选。, en: Pick. }}\n    quiz:\n      choices: [{{ zh: 甲, en: A }}, {{ zh: 乙, en: B }}]\n      answer: 2\n      explain: {{ zh: 因为。, en: Because. }}\n    solution: [\"answer 2\"]\n  - say: {{ zh: 再选。, en: Again. }}\n    quiz:\n      choices: [{{ zh: 甲, en: A }}, {{ zh: 乙, en: B }}]\n      answer: 1\n      explain: {{ zh: 因为。, en: Because. }}\n    solution: [\"answer 1\"]\n"
    );
    let mut h = open(&yaml);
    h.type_line("answer 1");
    assert_eq!(step(&h), 0);
    h.type_line("answer 2");
    assert_eq!(step(&h), 1);
    h.type_line("answer 1");
    let run = h.app.course.run.as_ref().unwrap();
    assert!(run.finished());
    assert_eq!(run.score, (1, 2));
    assert_eq!(run.states[0], StepState::Done { first_try: false });
    let r = h.app.course.record("T-1").unwrap();
    assert!(r.finished && r.done == 2 && r.score == Some((1, 2)), "{r:?}");
}

#[test]
fn a_lesson_resumes_at_its_first_step_not_done_with_the_lab_as_it_was() {
    let yaml = format!(
        "{HEAD}cast: [car, phone]\nsteps:\n  - say: {{ zh: 订阅。, en: Subscribe. }}\n    expect:\n      subscribed: {{ client: phone, topics: [car/speed] }}\n    solution: [\"phone sub car/speed -q 1\"]\n  - say: {{ zh: 发布。, en: Publish. }}\n    expect:\n      receives: {{ client: phone, topic: car/speed }}\n    solution: [\"car pub car/speed 60\"]\n"
    );
    let mut h = Headless::new(Lang::En, Instant::now());
    h.load(vec![Entry { lesson: lesson(&yaml), path: "t.yaml".into() }]);
    let mut p = Progress::default();
    p.lessons.insert("T-1".into(), Record { done: 1, total: 2, finished: false, score: None });
    let p = Progress::from_json(&p.to_json());
    h.app.course.progress = p;
    h.act(Action::OpenLesson(0));
    h.wait(0.5);
    assert_eq!(step(&h), 1, "resumed at step 2");
    // Step 1's solution ran again: the phone is subscribed, so step 2 works at once.
    h.type_line("car pub car/speed 60");
    h.wait(0.5);
    assert!(h.app.course.run.as_ref().unwrap().finished());
}

/// `mqtt-lab lessons check` on files: a good one passes, a bad one names file:line:column and shows
/// the line (exit 2), one whose solution does not complete it names the step (exit 1).
#[test]
fn lessons_check_reports_files_that_do_not_load_and_steps_that_do_not_complete() {
    let dir = std::env::temp_dir().join(format!("mqtt-lab-lessons-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = format!(
        "{HEAD}cast: [phone]\nsteps:\n  - say: {{ zh: 订阅。, en: Subscribe. }}\n    expect:\n      subscribed: {{ client: phone, topics: [a] }}\n    solution: [\"phone sub a\"]\n"
    );
    let bad_key = good.replace("    solution:", "    solutoin:");
    let wrong = good.replace("\"phone sub a\"", "\"phone sub b\"");
    for (name, text) in [("good.yaml", &good), ("bad.yaml", &bad_key), ("wrong.yaml", &wrong)] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mqtt-lab")).args(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
    };
    let p = |n: &str| dir.join(n).display().to_string();
    let (code, out) = run(&["lessons", "check", "--lang", "en", &p("good.yaml")]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("✓ T-1"), "{out}");
    let (code, out) = run(&["lessons", "check", "--lang", "en", &p("bad.yaml")]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains(&format!("{}:10:5: unknown field `solutoin`", p("bad.yaml"))), "{out}");
    assert!(out.contains("10 |     solutoin:"), "{out}");
    let (code, out) = run(&["lessons", "check", "--lang", "zh", &p("bad.yaml")]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("没有这个键"), "{out}");
    let (code, out) = run(&["lessons", "check", "--lang", "en", &p("wrong.yaml")]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("✗ T-1   step 1 did not complete"), "{out}");
    assert!(out.contains("what the lab saw last"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every built-in lesson, and the example of docs/lessons.md, completes with its own solutions.
#[test]
fn every_built_in_lesson_and_the_documented_example_pass() {
    let (lessons, bad) = mqtt_lab::lesson::builtin::load();
    assert!(bad.is_empty(), "{}", bad.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"));
    assert!(!lessons.is_empty());
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/lesson-example.yaml")).unwrap();
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/lessons.md")).unwrap();
    assert!(doc.contains(&example), "docs/lessons.md shows docs/lesson-example.yaml as it is");
    let ex = ("docs/lesson-example.yaml".to_string(), parse_lesson("docs/lesson-example.yaml", &example).unwrap());
    for (path, l) in lessons.into_iter().chain([ex]) {
        for lang in [Lang::En, Lang::Zh] {
            let r = check_lesson(
                Arc::new(
                    parse_lesson(
                        &path,
                        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + &path).unwrap(),
                    )
                    .unwrap(),
                ),
                &path,
                lang,
                Instant::now(),
            );
            assert!(r.passed(), "{path} ({lang:?}): {:?}", r.steps.last());
        }
        let _ = l;
    }
}
