//! The lessons that ship with the lab, embedded in the binary (so that they work after
//! `cargo install`, from any directory): every `lessons/*.yaml`, listed at build time.

include!(concat!(env!("OUT_DIR"), "/builtin_lessons.rs"));

/// The built-in lesson files: (path as shown in errors, text), in file-name order.
pub fn files() -> &'static [(&'static str, &'static str)] {
    BUILTIN
}
