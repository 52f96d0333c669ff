//go:build !(linux && cgo)

package memtrim

// Release does nothing where the C allocator is not glibc's; it reports
// false (nothing returned).
func Release() bool { return false }
