//! Embeds every `lessons/*.yaml` in the binary: writes the list `src/lesson/builtin.rs` includes.

use std::fmt::Write;

fn main() {
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("lessons");
    println!("cargo:rerun-if-changed=lessons");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "yaml")).collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out =
        String::from("/// (path, text) of every built-in lesson.\npub static BUILTIN: &[(&str, &str)] = &[\n");
    for p in &files {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p.file_name().unwrap().to_string_lossy();
        writeln!(out, "    ({:?}, include_str!({:?})),", format!("lessons/{name}"), p.display().to_string()).unwrap();
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("builtin_lessons.rs");
    std::fs::write(dest, out).unwrap();
}
