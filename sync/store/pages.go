package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// A raw reader of bbolt's file format (go.etcd.io/bbolt v1.x, internal/common:
// page header, meta, branch and leaf elements, inline buckets) that reads the
// file with ReadAt instead of mmap. bbolt trusts its pages: a page id past the
// end of a truncated file is a SIGBUS in its mmap, and a scrambled header an
// assertion panic, some of them in goroutines of its own (Tx.Check) where no
// recover reaches. This reader checks every bound first, so the consistency
// check can find damage before bbolt touches the file, and repair can copy
// every record that is still reachable, page by page, skipping the rest.
//
// Only pages reachable from the newest valid meta page are read: freed pages
// hold old versions of records, and reading them would bring deleted
// activities back.

const (
	pageHeaderSize  = 16
	pageElementSize = 16 // both branch and leaf elements
	bucketHeaderLen = 16 // root pgid + sequence
	metaMagic       = 0xED0CDAED
	metaVersion     = 2
	metaSumLen      = 56 // the meta fields before the checksum
	pageBranch      = 0x01
	pageLeaf        = 0x02
	pageMeta        = 0x04
	pageFreelist    = 0x10
	leafBucketFlag  = 0x01
	noFreelist      = ^uint64(0)
	maxTreeDepth    = 64
)

// rawMeta is the decoded meta page bbolt uses (the valid one with the
// highest transaction id).
type rawMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64 // high water mark: pages [0, pgid) are in use or free
	txid     uint64
}

// rawFile is a bbolt file read without bbolt.
type rawFile struct {
	r    io.ReaderAt
	size int64
	meta rawMeta
	// problems found while reading, in order; lostPages counts pages that
	// could not be read at all.
	problems  []string
	lostPages int
	// fatal is a problem of the meta page that makes bbolt read outside
	// the file (truncation, root or freelist out of range).
	fatal   string
	seen    map[uint64]bool
	covered map[uint64]bool // pages read as part of a tree, overflow included
}

// maxProblems bounds the list of problems kept for the message.
const maxProblems = 50

func (f *rawFile) problem(format string, args ...any) {
	if len(f.problems) < maxProblems {
		f.problems = append(f.problems, fmt.Sprintf(format, args...))
	}
}

// errNotBolt: the file is not a bbolt database (or both meta pages are gone).
var errNotBolt = errors.New("no valid bbolt meta page")

// openRaw reads the meta pages of the bbolt file at path. The file must be
// closed with the returned func.
func openRaw(path string) (*rawFile, func() error, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, nil, err
	}
	f := &rawFile{r: fh, size: fi.Size(), seen: map[uint64]bool{}, covered: map[uint64]bool{}}
	if err := f.readMeta(); err != nil {
		fh.Close()
		return nil, nil, err
	}
	return f, fh.Close, nil
}

func parseMeta(b []byte) (rawMeta, bool) {
	if len(b) < pageHeaderSize+metaSumLen+8 {
		return rawMeta{}, false
	}
	m := b[pageHeaderSize:]
	le := binary.LittleEndian
	if le.Uint16(b[8:]) != pageMeta || le.Uint32(m) != metaMagic || le.Uint32(m[4:]) != metaVersion {
		return rawMeta{}, false
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:metaSumLen])
	if h.Sum64() != le.Uint64(m[metaSumLen:]) {
		return rawMeta{}, false
	}
	return rawMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]), pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// readMeta finds the valid meta page with the highest txid. Meta page 0 is at
// offset 0; meta page 1 at one page size, which comes from a valid meta 0 or
// is guessed (owtray's 16 KiB, then common OS page sizes).
func (f *rawFile) readMeta() error {
	buf := make([]byte, pageHeaderSize+metaSumLen+8)
	read := func(off int64) (rawMeta, bool) {
		if off+int64(len(buf)) > f.size {
			return rawMeta{}, false
		}
		if _, err := f.r.ReadAt(buf, off); err != nil {
			return rawMeta{}, false
		}
		return parseMeta(buf)
	}
	best, ok := read(0)
	if !ok {
		f.problem("meta page 0 is damaged")
	}
	sizes := []int64{16 << 10, 4 << 10, 8 << 10, 64 << 10}
	if ok {
		sizes = []int64{int64(best.pageSize)}
	}
	found1 := false
	for _, ps := range sizes {
		if m, ok1 := read(ps); ok1 && m.pageSize == uint32(ps) {
			found1 = true
			if !ok || m.txid > best.txid {
				best = m
			}
			ok = true
			break
		}
	}
	if !found1 {
		f.problem("meta page 1 is damaged")
	}
	if !ok {
		return errNotBolt
	}
	if best.pageSize < 1024 || best.pageSize > 1<<20 || best.pageSize&(best.pageSize-1) != 0 {
		return fmt.Errorf("page size %d: %w", best.pageSize, errNotBolt)
	}
	f.meta = best
	fatal := func(format string, args ...any) {
		f.problem(format, args...)
		if f.fatal == "" {
			f.fatal = fmt.Sprintf(format, args...)
		}
	}
	if best.root < 2 || best.root >= best.pgid {
		fatal("the meta page's root page %d is outside the database", best.root)
	}
	if best.freelist != noFreelist && (best.freelist < 2 || best.freelist >= best.pgid) {
		fatal("the meta page's freelist page %d is outside the database", best.freelist)
	}
	if want := int64(best.pgid) * int64(best.pageSize); f.size < want {
		fatal("the file is %d bytes but its pages need %d: it was cut short (truncated)", f.size, want)
	}
	return nil
}

// page reads page id with its overflow pages, checking that its header is
// the page it should be, a branch or leaf page, inside the file.
func (f *rawFile) page(id uint64) ([]byte, error) {
	ps := int64(f.meta.pageSize)
	if id < 2 || id >= f.meta.pgid {
		return nil, fmt.Errorf("page %d is outside the database (pages 2–%d)", id, f.meta.pgid-1)
	}
	if (int64(id)+1)*ps > f.size {
		return nil, fmt.Errorf("page %d is past the end of the file", id)
	}
	hdr := make([]byte, pageHeaderSize)
	if _, err := f.r.ReadAt(hdr, int64(id)*ps); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	le := binary.LittleEndian
	if got := le.Uint64(hdr); got != id {
		return nil, fmt.Errorf("page %d has the header of page %d", id, got)
	}
	if fl := le.Uint16(hdr[8:]); fl != pageBranch && fl != pageLeaf {
		return nil, fmt.Errorf("page %d has unknown type %#x", id, fl)
	}
	overflow := uint64(le.Uint32(hdr[12:]))
	if id+overflow >= f.meta.pgid || (int64(id+overflow)+1)*ps > f.size {
		return nil, fmt.Errorf("page %d: %d overflow pages run past the end", id, overflow)
	}
	b := make([]byte, int64(1+overflow)*ps)
	if _, err := f.r.ReadAt(b, int64(id)*ps); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	return b, nil
}

// rawBucket is a bucket header: its root page, or an inline page.
type rawBucket struct {
	root   uint64
	seq    uint64
	inline []byte
}

func parseBucketHeader(v []byte) (rawBucket, bool) {
	if len(v) < bucketHeaderLen {
		return rawBucket{}, false
	}
	b := rawBucket{root: binary.LittleEndian.Uint64(v), seq: binary.LittleEndian.Uint64(v[8:])}
	if b.root == 0 {
		b.inline = v[bucketHeaderLen:]
		if len(b.inline) < pageHeaderSize || binary.LittleEndian.Uint16(b.inline[8:]) != pageLeaf {
			return rawBucket{}, false
		}
	}
	return b, true
}

// kv is one leaf element; bucket says it is a nested bucket's header.
type kv struct {
	k, v   []byte
	bucket bool
}

// walk calls fn for every readable leaf element of the tree of b in key
// order. Unreadable pages and elements are skipped and noted; where names the
// tree in those notes.
func (f *rawFile) walk(where string, b rawBucket, fn func(kv)) {
	if b.root == 0 {
		f.elements(where, 0, b.inline, 0, fn)
		return
	}
	f.walkPage(where, b.root, 0, fn)
}

func (f *rawFile) walkPage(where string, id uint64, depth int, fn func(kv)) {
	if depth > maxTreeDepth {
		f.problem("%s: page %d: tree deeper than %d (a loop)", where, id, maxTreeDepth)
		f.lostPages++
		return
	}
	if f.seen[id] {
		f.problem("%s: page %d is used twice", where, id)
		f.lostPages++
		return
	}
	f.seen[id] = true
	p, err := f.page(id)
	if err != nil {
		f.problem("%s: %v", where, err)
		f.lostPages++
		return
	}
	for i := range uint64(len(p)) / uint64(f.meta.pageSize) {
		f.covered[id+i] = true
	}
	f.elements(where, id, p, depth, fn)
}

// elements decodes the elements of page p (id 0: an inline page).
func (f *rawFile) elements(where string, id uint64, p []byte, depth int, fn func(kv)) {
	le := binary.LittleEndian
	flags, count := le.Uint16(p[8:]), int(le.Uint16(p[10:]))
	if pageHeaderSize+count*pageElementSize > len(p) {
		f.problem("%s: page %d claims %d elements, more than fit", where, id, count)
		f.lostPages++
		return
	}
	var prev []byte
	for i := range count {
		off := pageHeaderSize + i*pageElementSize
		e := p[off : off+pageElementSize]
		if flags == pageBranch {
			pos, ksize, child := uint64(le.Uint32(e)), uint64(le.Uint32(e[4:])), le.Uint64(e[8:])
			if uint64(off)+pos+ksize > uint64(len(p)) {
				f.problem("%s: page %d element %d points outside the page", where, id, i)
				continue
			}
			f.walkPage(where, child, depth+1, fn)
			continue
		}
		eflags, pos, ksize, vsize := le.Uint32(e), uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
		start := uint64(off) + pos
		if start+ksize+vsize > uint64(len(p)) {
			f.problem("%s: page %d element %d points outside the page", where, id, i)
			continue
		}
		k, v := p[start:start+ksize], p[start+ksize:start+ksize+vsize]
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			f.problem("%s: page %d: keys out of order", where, id)
		}
		prev = k
		fn(kv{k: k, v: v, bucket: eflags&leafBucketFlag != 0})
	}
}

// buckets reads the top-level buckets by name.
func (f *rawFile) buckets() map[string]rawBucket {
	out := map[string]rawBucket{}
	f.walk("bucket list", rawBucket{root: f.meta.root}, func(e kv) {
		if !e.bucket {
			return
		}
		b, ok := parseBucketHeader(e.v)
		if !ok {
			f.problem("bucket %q: damaged header", e.k)
			return
		}
		out[string(e.k)] = b
	})
	return out
}

// checkFreelist checks the freelist page that bbolt loads on open: its type,
// its size and that every page id it lists is inside the database.
func (f *rawFile) checkFreelist() { f.freePages() }

// freePages reads the freelist; ok is false when it cannot be read.
func (f *rawFile) freePages() (free map[uint64]bool, ok bool) {
	if f.meta.freelist == noFreelist || f.meta.freelist < 2 || f.meta.freelist >= f.meta.pgid {
		return nil, false
	}
	ps := int64(f.meta.pageSize)
	hdr := make([]byte, pageHeaderSize+8)
	if _, err := f.r.ReadAt(hdr, int64(f.meta.freelist)*ps); err != nil {
		f.problem("freelist page %d: %v", f.meta.freelist, err)
		return nil, false
	}
	le := binary.LittleEndian
	if le.Uint16(hdr[8:]) != pageFreelist || le.Uint64(hdr) != f.meta.freelist {
		f.problem("freelist page %d has a damaged header", f.meta.freelist)
		return nil, false
	}
	overflow := uint64(le.Uint32(hdr[12:]))
	if f.meta.freelist+overflow >= f.meta.pgid || (int64(f.meta.freelist+overflow)+1)*ps > f.size {
		f.problem("freelist page %d runs past the end", f.meta.freelist)
		return nil, false
	}
	b := make([]byte, int64(1+overflow)*ps)
	if _, err := f.r.ReadAt(b, int64(f.meta.freelist)*ps); err != nil {
		f.problem("freelist page %d: %v", f.meta.freelist, err)
		return nil, false
	}
	count, start := uint64(le.Uint16(b[10:])), uint64(pageHeaderSize)
	if count == 0xFFFF {
		count, start = le.Uint64(b[pageHeaderSize:]), pageHeaderSize+8
	}
	if start+count*8 > uint64(len(b)) {
		f.problem("freelist page %d claims %d free pages, more than fit", f.meta.freelist, count)
		return nil, false
	}
	free = make(map[uint64]bool, count)
	for i := range count {
		id := le.Uint64(b[start+i*8:])
		if id < 2 || id >= f.meta.pgid {
			f.problem("freelist page %d lists page %d, outside the database", f.meta.freelist, id)
			return nil, false
		}
		free[id] = true
	}
	for i := range overflow + 1 {
		f.covered[f.meta.freelist+i] = true
	}
	return free, true
}

// orphans calls fn for the elements of every leaf page in the file that no
// tree reached and the freelist does not list: the leaves under a branch
// page that was lost. Call it after walking every tree. Without a readable
// freelist, freed pages (older versions of records) cannot be told apart and
// are included; the caller must let Strava's answer settle what is current.
func (f *rawFile) orphans(fn func(kv)) (pages int) {
	free, _ := f.freePages()
	ps := int64(f.meta.pageSize)
	last := min(f.meta.pgid, uint64(f.size/ps))
	for id := uint64(2); id < last; id++ {
		if f.covered[id] || free[id] {
			continue
		}
		p, err := f.page(id)
		if err != nil || binary.LittleEndian.Uint16(p[8:]) != pageLeaf {
			continue
		}
		pages++
		saved, lost := len(f.problems), f.lostPages
		f.elements("orphan", id, p, 0, fn)
		f.problems, f.lostPages = f.problems[:saved], lost
		id += uint64(len(p))/uint64(ps) - 1
	}
	return pages
}
