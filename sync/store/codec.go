package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Layout of one activity.
//
// bucketRows: orderKey -> row. The order key is 16 bytes:
//
//	^(uint64(start_date unix seconds) ^ 1<<63)  big-endian, 8 bytes
//	^uint64(id)                                  big-endian, 8 bytes
//
// so a forward cursor walk yields the newest start first, and activities with
// the same start second come highest id (latest upload) first. The row is a
// compact binary record of the decoded fields (plus the name case-folded for
// search), ~60–120 bytes, so list, filter and search scan only this bucket and
// never decode JSON.
//
// bucketDocs: big-endian ^id -> doc: the order key (the id index) followed by
// DetailFetchedAt and Strava's Summary and Detail JSON exactly as received.
//
// Both records start with a format byte; unknown formats and truncated
// records decode to ErrCorrupt, never a panic.

const (
	orderKeyLen = 16
	rowFormat   = 1
	docFormat   = 1

	flagPrivate     = 1 << 0
	flagHasDetail   = 1 << 1
	flagDetailStale = 1 << 2
	rowFlagsAt      = 1 // index of the flags byte in a row

	docFlagFetchedAt = 1 << 0
)

func orderKey(start time.Time, id int64) []byte {
	k := make([]byte, orderKeyLen)
	binary.BigEndian.PutUint64(k, descSeconds(start.Unix()))
	binary.BigEndian.PutUint64(k[8:], ^uint64(id))
	return k
}

// descSeconds maps unix seconds to a uint64 that sorts in descending time order.
func descSeconds(sec int64) uint64 { return ^(uint64(sec) ^ 1<<63) }

func binary8(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

func keyID(k []byte) int64 { return int64(^binary.BigEndian.Uint64(k[8:])) }

// docKey is the key of an id in bucketDocs and bucketStreams: descending, so
// that a full import (newest first) appends there too.
func docKey(id int64) []byte { return binary8(^uint64(id)) }

// docID is the inverse of docKey; k must be 8 bytes.
func docID(k []byte) int64 { return int64(^binary.BigEndian.Uint64(k)) }

// fold case-folds s for case-insensitive, Unicode-aware substring search:
// ToUpper then ToLower also unifies letters with several lower-case forms
// (σ/ς, k/K (Kelvin sign), s/ſ).
func fold(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// wallSeconds is the wall clock of t (in its own location) as if it were UTC.
func wallSeconds(t time.Time) (int64, int64) {
	_, off := t.Zone()
	return t.Unix() + int64(off), int64(t.Nanosecond())
}

func encodeRow(a *Activity, flags byte) []byte {
	folded := fold(a.Name)
	b := make([]byte, 0, 2+5*binary.MaxVarintLen64+16+4*binary.MaxVarintLen32+len(a.Name)+len(folded)+len(a.SportType)+len(a.Timezone)+2*binary.MaxVarintLen64)
	b = append(b, rowFormat, flags)
	b = binary.AppendVarint(b, a.AthleteID)
	b = binary.AppendVarint(b, a.StartDate.Unix())
	b = binary.AppendUvarint(b, uint64(a.StartDate.Nanosecond()))
	ws, wn := wallSeconds(a.StartDateLocal)
	b = binary.AppendVarint(b, ws)
	b = binary.AppendUvarint(b, uint64(wn))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(a.Distance))
	b = binary.AppendVarint(b, int64(a.MovingTime))
	b = binary.AppendVarint(b, int64(a.ElapsedTime))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(a.TotalElevationGain))
	for _, s := range []string{a.Name, folded, a.SportType, a.Timezone} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// rowView is a decoded row whose byte slices alias the row (no allocation);
// valid only while the transaction that read the row is open.
type rowView struct {
	flags                   byte
	athleteID               int64
	startSec, startNsec     int64
	localSec, localNsec     int64
	distance, elevationGain float64
	movingTime, elapsedTime int64
	name, folded, sport, tz []byte
}

var errTruncated = errors.New("truncated")

// reader decodes sequential fields; the first failure sticks in err.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) u8() byte {
	if r.err != nil || len(r.b) < 1 {
		r.fail(errTruncated)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) fixed(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.fail(errTruncated)
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) float() float64 {
	v := r.fixed(8)
	if v == nil {
		return 0
	}
	return math.Float64frombits(binary.BigEndian.Uint64(v))
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)) {
		r.fail(errTruncated)
	}
	return r.fixed(int(min(n, uint64(len(r.b)))))
}

func (r *reader) nanos() int64 {
	v := r.uvarint()
	if r.err == nil && v >= uint64(time.Second) {
		r.fail(fmt.Errorf("nanoseconds %d out of range", v))
	}
	return int64(v)
}

func (r *reader) done(what string) error {
	if r.err == nil && len(r.b) != 0 {
		r.fail(fmt.Errorf("%d trailing bytes", len(r.b)))
	}
	if r.err != nil {
		return fmt.Errorf("%s: %w: %w", what, r.err, ErrCorrupt)
	}
	return nil
}

func parseRow(v []byte) (rowView, error) {
	r := reader{b: v}
	var rv rowView
	if f := r.u8(); r.err == nil && f != rowFormat {
		r.fail(fmt.Errorf("unknown row format %d", f))
	}
	rv.flags = r.u8()
	rv.athleteID = r.varint()
	rv.startSec = r.varint()
	rv.startNsec = r.nanos()
	rv.localSec = r.varint()
	rv.localNsec = r.nanos()
	rv.distance = r.float()
	rv.movingTime = r.varint()
	rv.elapsedTime = r.varint()
	rv.elevationGain = r.float()
	rv.name = r.bytes()
	rv.folded = r.bytes()
	rv.sport = r.bytes()
	rv.tz = r.bytes()
	return rv, r.done("activity row")
}

// fill copies the row's fields into a (which gets its own strings).
func (rv *rowView) fill(a *Activity) {
	a.AthleteID = rv.athleteID
	a.Name = string(rv.name)
	a.SportType = string(rv.sport)
	a.StartDate = time.Unix(rv.startSec, rv.startNsec).UTC()
	a.StartDateLocal = time.Unix(rv.localSec, rv.localNsec).UTC()
	a.Timezone = string(rv.tz)
	a.Distance = rv.distance
	a.MovingTime = int(rv.movingTime)
	a.ElapsedTime = int(rv.elapsedTime)
	a.TotalElevationGain = rv.elevationGain
	a.Private = rv.flags&flagPrivate != 0
	a.DetailStale = rv.flags&flagDetailStale != 0
}

// docView is a decoded doc; slices alias the stored value.
type docView struct {
	key       []byte
	fetchedAt time.Time
	summary   []byte
	detail    []byte
}

func encodeDoc(key []byte, a *Activity) []byte {
	b := make([]byte, 0, 2+orderKeyLen+2*binary.MaxVarintLen64+2*binary.MaxVarintLen32+len(a.Summary)+len(a.Detail))
	var flags byte
	if !a.DetailFetchedAt.IsZero() {
		flags |= docFlagFetchedAt
	}
	b = append(b, docFormat, flags)
	b = append(b, key...)
	if flags&docFlagFetchedAt != 0 {
		b = binary.AppendVarint(b, a.DetailFetchedAt.Unix())
		b = binary.AppendUvarint(b, uint64(a.DetailFetchedAt.Nanosecond()))
	}
	for _, raw := range [][]byte{a.Summary, a.Detail} {
		b = binary.AppendUvarint(b, uint64(len(raw)))
		b = append(b, raw...)
	}
	return b
}

func parseDoc(v []byte) (docView, error) {
	r := reader{b: v}
	var d docView
	if f := r.u8(); r.err == nil && f != docFormat {
		r.fail(fmt.Errorf("unknown document format %d", f))
	}
	flags := r.u8()
	d.key = r.fixed(orderKeyLen)
	if flags&docFlagFetchedAt != 0 {
		sec := r.varint()
		d.fetchedAt = time.Unix(sec, r.nanos()).UTC()
	}
	d.summary = r.bytes()
	d.detail = r.bytes()
	return d, r.done("activity document")
}

// parseValidDoc is parseDoc that also checks that the JSON is JSON: a
// flipped byte on disk must not reach an export as broken JSON.
func parseValidDoc(v []byte) (docView, error) {
	d, err := parseDoc(v)
	if err != nil {
		return d, err
	}
	for _, raw := range [][]byte{d.summary, d.detail} {
		if len(raw) > 0 && !json.Valid(raw) {
			return d, fmt.Errorf("activity document: JSON damaged: %w", ErrCorrupt)
		}
	}
	return d, nil
}

// cloneRaw copies stored JSON out of the transaction; empty becomes nil.
func cloneRaw(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
