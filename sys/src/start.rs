//! The binary's entry point: [`c_main!`](crate::c_main) defines C's `main`, so that the C
//! library's start-up calls it directly and std's runtime start-up is skipped (the binary is
//! `no_main`). Defines a symbol; no system call.
//!
//! `main` must be `#[no_mangle]`, an unsafe attribute (two symbols of that name would clash at
//! link time); it is written here, so that the binary's crate can forbid unsafe code. The body
//! is the caller's.

/// Defines C's `main` (`int main(int argc, char **argv)`) with `$body` (a block giving the
/// exit status as `c_int`) for a `no_main` binary. argc and argv are not used: std reads the
/// arguments from the C library. Invoke it once, in the binary's crate root.
#[macro_export]
macro_rules! c_main {
    ($body:block) => {
        // SAFETY: the program's one `main` symbol (the binary is `no_main`, so std defines
        // none, and this macro is invoked once), with the signature the C start-up calls.
        #[unsafe(no_mangle)]
        extern "C" fn main(
            _argc: ::std::ffi::c_int,
            _argv: *const *const ::std::ffi::c_char,
        ) -> ::std::ffi::c_int {
            $body
        }
    };
}
