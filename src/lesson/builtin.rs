//! The lessons that ship with the lab, embedded in the binary (so that they work after
//! `cargo install`, from any directory): every `lessons/*.yaml`, listed at build time.

include!(concat!(env!("OUT_DIR"), "/builtin_lessons.rs"));

/// The built-in lesson files: (path as shown in errors, text), in file-name order.
pub fn files() -> &'static [(&'static str, &'static str)] {
    BUILTIN
}

/// Loads every built-in lesson: (path, lesson), and the errors of those that do not load (the
/// built-ins are checked in CI, so there should be none).
pub fn load() -> (Vec<(String, super::Lesson)>, Vec<super::LessonError>) {
    load_texts(files().iter().map(|(p, t)| (p.to_string(), t.to_string())))
}

/// Loads lessons from (path, text) pairs.
pub fn load_texts(
    files: impl IntoIterator<Item = (String, String)>,
) -> (Vec<(String, super::Lesson)>, Vec<super::LessonError>) {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for (path, text) in files {
        match super::parse_lesson(&path, &text) {
            Ok(l) => ok.push((path, l)),
            Err(e) => bad.extend(e),
        }
    }
    (ok, bad)
}
