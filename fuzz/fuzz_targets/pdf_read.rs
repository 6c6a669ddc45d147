#![no_main]
//! cargo-fuzz harness; the body is `jpki_tool_fuzz::pdf_read` (fuzz/src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| jpki_tool_fuzz::pdf_read(data));
