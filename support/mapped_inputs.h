// Memory maps of input files, listed in a fixed table so that a program's SIGBUS handler can name the file that
// shrank under it (a read past the new end of a mapped file raises SIGBUS, not an error return).
//
// The library only keeps the table; the CLI's main installs the handler (tools/signals.cpp), because the same
// library runs inside Python and WebAssembly, whose signals are not ours.
#pragma once

#include <cstddef>  // std::size_t
#include <string>   // std::string

namespace numscope {

/// Lists the mapping [begin, begin + size) of `path`; returns a slot for unregister_mapping (-1 when the table is
/// full, in which case a fault names no file).
int register_mapping(const void* begin, std::size_t size, const std::string& path) noexcept;
void unregister_mapping(int slot) noexcept;

/// The path of the listed mapping holding `addr`, or nullptr. Async-signal-safe (reads atomics and arrays only).
const char* mapping_path_at(const void* addr) noexcept;

}  // namespace numscope
