//! The integration tests, as one binary: each module below is one area of the emulator,
//! exercised against the real server in-process.

mod architecture;
