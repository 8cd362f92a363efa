//! Build script: one link flag, nothing generated. Release binaries on Linux get their
//! debug sections compressed by the linker (see `[profile.release]` in Cargo.toml): the
//! line tables of our own code stay for backtraces, at a third of their size. Debug and
//! test builds are left alone, so their links stay fast.

fn main() {
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    if linux && release {
        // zlib rather than zstd: every linker (ld, gold, lld, mold) and std's backtrace
        // symbolizer read it.
        println!("cargo::rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
