//! Links the emulator's executable on Linux as a position-dependent executable (`-no-pie`).
//! A PIE must have about 18,000 pointers in its read-only tables relocated by the loader at
//! every start: a 420 KB relocation table read in, and the relocated pages made private
//! copies. Linked at a fixed address it has neither, for about 0.4 MiB less resident memory
//! at idle (issue 12, BENCHMARKS.md). The code is compiled as position-independent either
//! way; only the executable's layout changes. Address randomisation of the executable
//! itself is what is given up, which a local test double does not need. Only `[[bin]]`
//! targets are affected: tests, examples and the library link as before. Statically linked
//! builds (`crt-static`: the musl image, the container test) stay static PIEs, which rustc
//! links with `-static-pie`; adding `-no-pie` there would ask for a dynamic loader.

fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let statically_linked = features.split(',').any(|feature| feature == "crt-static");
    if target_os == "linux" && !statically_linked {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
