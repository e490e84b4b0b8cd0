//! The guest's WASI imports, each served by wasmtime-wasi's own preview-1 implementation.
//!
//! `wasmtime_wasi::p1::add_to_linker_sync` links all 46 preview-1 functions. The guest imports
//! five ([`super::ALLOWED_IMPORTS`]), and `check_imports` refuses a module that imports anything
//! else, so 41 of those functions could never be called. Each linked function is still a host
//! trampoline with its implementation behind it (files through cap-std, sockets, `poll_oneoff`),
//! and all of them were compiled into every binary and registered at every start-up.
//!
//! So only the five are linked here. Each one calls the same function that `add_to_linker_sync`
//! would have registered: the ABI entry points wasmtime-wasi generates for preview 1
//! (`wasmtime_wasi::p1::wasi_snapshot_preview1`), with the guest's memory and the `WasiP1Ctx`.
//! The body is the same as that generated glue: the memory export, the hostcall fuel, and
//! `in_tokio` for the two functions that wasmtime-wasi implements as async. No WASI semantics are
//! written here. A test links a module that imports all five, and shows that a sixth is unknown.

use wasmtime::{AsContextMut, Caller, Extern, Linker};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p1::wasi_snapshot_preview1::{self as p1, WasiSnapshotPreview1};
use wasmtime_wasi::runtime::in_tokio;
use wiggle::GuestMemory;

use super::{GuestState, WASI_MODULE};

/// Link the guest's five WASI functions, and for tests (JIT builds) any of `extra` this knows.
pub fn link(linker: &mut Linker<GuestState>, extra: &[&str]) -> wasmtime::Result<()> {
    linker.func_wrap(WASI_MODULE, "fd_read", |mut caller: Caller<'_, GuestState>, fd, iovs, len, read| {
        with_memory(&mut caller, |ctx, memory| in_tokio(p1::fd_read(ctx, memory, fd, iovs, len, read)))
    })?;
    linker.func_wrap(WASI_MODULE, "fd_write", |mut caller: Caller<'_, GuestState>, fd, iovs, len, written| {
        with_memory(&mut caller, |ctx, memory| in_tokio(p1::fd_write(ctx, memory, fd, iovs, len, written)))
    })?;
    linker.func_wrap(WASI_MODULE, "proc_exit", |mut caller: Caller<'_, GuestState>, code: i32| {
        with_memory(&mut caller, |ctx, memory| p1::proc_exit(ctx, memory, code))
    })?;
    linker.func_wrap(WASI_MODULE, "random_get", |mut caller: Caller<'_, GuestState>, buffer, len| {
        with_memory(&mut caller, |ctx, memory| p1::random_get(ctx, memory, buffer, len))
    })?;
    linker.func_wrap(WASI_MODULE, "clock_time_get", |mut caller: Caller<'_, GuestState>, id, precision, time| {
        with_memory(&mut caller, |ctx, memory| p1::clock_time_get(ctx, memory, id, precision, time))
    })?;
    link_extra(linker, extra)
}

/// The guest's memory and WASI context for one call, as wasmtime-wasi's generated glue prepares
/// them: the exported memory, and the hostcall fuel (the most one call may copy) handed on.
fn with_memory<R>(
    caller: &mut Caller<'_, GuestState>,
    call: impl FnOnce(&mut WasiP1Ctx, &mut GuestMemory<'_>) -> wasmtime::Result<R>,
) -> wasmtime::Result<R> {
    let fuel = caller.as_context_mut().hostcall_fuel();
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        wasmtime::bail!("missing required memory export");
    };
    let (bytes, state) = memory.data_and_store_mut(caller);
    let ctx = &mut state.wasi;
    ctx.set_hostcall_fuel(fuel);
    call(ctx, &mut GuestMemory::Unshared(bytes))
}

/// `poll_oneoff`, which a test links to block a guest inside a host call.
#[cfg(feature = "jit")]
fn link_extra(linker: &mut Linker<GuestState>, extra: &[&str]) -> wasmtime::Result<()> {
    for &name in extra {
        match name {
            "poll_oneoff" => linker.func_wrap(
                WASI_MODULE,
                "poll_oneoff",
                |mut caller: Caller<'_, GuestState>, subscriptions, events, count, written| {
                    with_memory(&mut caller, |ctx, memory| {
                        in_tokio(p1::poll_oneoff(ctx, memory, subscriptions, events, count, written))
                    })
                },
            )?,
            other => wasmtime::bail!("no test link for the WASI function {other}"),
        };
    }
    Ok(())
}

/// Release builds link nothing more: no shipped path allows more imports.
#[cfg(not(feature = "jit"))]
fn link_extra(_linker: &mut Linker<GuestState>, _extra: &[&str]) -> wasmtime::Result<()> {
    Ok(())
}

#[cfg(all(test, feature = "jit"))]
mod tests {
    use wasmtime::{Engine, Module};

    use super::*;

    fn pre(imports: &str) -> wasmtime::Result<()> {
        let engine = Engine::default();
        let mut linker = Linker::new(&engine);
        link(&mut linker, &[])?;
        let wasm = wat::parse_str(format!("(module {imports} (memory (export \"memory\") 1))"))?;
        let module = Module::new(&engine, wasm)?;
        linker.instantiate_pre(&module).map(drop)
    }

    #[test]
    fn the_allowed_imports_are_linked_and_nothing_else() {
        let five = r#"
            (import "wasi_snapshot_preview1" "fd_read" (func (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
            (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))"#;
        pre(five).expect("the five link");
        assert_eq!(crate::sandbox::ALLOWED_IMPORTS.len(), 5);
        for name in crate::sandbox::ALLOWED_IMPORTS {
            assert!(five.contains(&format!("\"{name}\"")), "{name}");
        }
        let sixth = r#"(import "wasi_snapshot_preview1" "environ_get" (func (param i32 i32) (result i32)))"#;
        let err = pre(sixth).expect_err("not linked").to_string();
        assert!(err.contains("environ_get"), "{err}");
    }
}
