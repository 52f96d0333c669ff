//go:build linux && cgo

// Package memtrimtest fragments the C heap for memtrim's tests.
package memtrimtest

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import "unsafe"

// Scatter mallocs blocks of size bytes, writes to them so they are
// resident, then frees all but every keepEvery-th, so the freed memory sits
// between live blocks where free() cannot give it back. The returned func
// frees the rest.
func Scatter(blocks, size, keepEvery int) (freeRest func()) {
	ptrs := make([]unsafe.Pointer, blocks)
	for i := range ptrs {
		ptrs[i] = C.malloc(C.size_t(size))
		C.memset(ptrs[i], 1, C.size_t(size))
	}
	var kept []unsafe.Pointer
	for i, p := range ptrs {
		if i%keepEvery == keepEvery-1 {
			kept = append(kept, p)
			continue
		}
		C.free(p)
	}
	return func() {
		for _, p := range kept {
			C.free(p)
		}
	}
}
