//go:build linux && cgo

package memtrim

/*
#include <malloc.h>
*/
import "C"

// Release returns the C heap's free pages to the operating system
// (glibc's malloc_trim) and reports whether any were returned.
func Release() bool {
	return C.malloc_trim(0) == 1
}
