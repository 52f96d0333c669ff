package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// jsonField is one leaf of Strava's JSON: its path ("map.summary_polyline",
// "laps[0].distance") and its value as sent.
type jsonField struct {
	Path   string
	Raw    string // strings unquoted; numbers exactly as sent; "null", "{}", "[]"
	Number bool
}

// jsonNode is a member of Strava's JSON: a leaf (a value, or an empty
// object or array) or a group (an object or array with members).
type jsonNode struct {
	Key   string // the member's name as Strava sends it, or "[i]" in an array
	Field jsonField
	Kids  []string // paths of the members of a group, in the order sent
	Array bool     // a group that is an array
}

// jsonTree is Strava's JSON as nested groups, keyed by path; the root's
// path is "".
type jsonTree map[string]*jsonNode

// parseJSONTree reads a JSON document in the order Strava sent it. Empty
// objects and arrays are leaves shown as "{}" and "[]" so nothing is
// hidden. On malformed JSON it returns what was read so far and the error.
func parseJSONTree(data []byte) (jsonTree, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	t := jsonTree{"": {}}
	if err := t.walk(dec, "", ""); err != nil {
		return t, fmt.Errorf("reading Strava's JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return t, errors.New("reading Strava's JSON: unexpected data after the end")
	}
	return t, nil
}

// walk reads one value at path into the tree. The root's members become
// the root's kids; a scalar at the root is not kept.
func (t jsonTree) walk(dec *json.Decoder, path, key string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	n := t[path]
	if n == nil {
		n = &jsonNode{Key: key}
		t[path] = n
		if parent := t[parentOf(path)]; parent != nil {
			parent.Kids = append(parent.Kids, path)
		}
	}
	n.Field.Path = path
	switch v := tok.(type) {
	case json.Delim:
		n.Array = v == '['
		return t.walkContainer(dec, v, path)
	case json.Number:
		n.Field.Raw, n.Field.Number = v.String(), true
	case string:
		n.Field.Raw = v
	case bool:
		n.Field.Raw = strconv.FormatBool(v)
	default: // nil
		n.Field.Raw = "null"
	}
	return nil
}

// walkContainer walks the members of an object or array whose opening
// delimiter has been read, and its closing delimiter.
func (t jsonTree) walkContainer(dec *json.Decoder, open json.Delim, path string) error {
	n := 0
	for ; dec.More(); n++ {
		key := "[" + strconv.Itoa(n) + "]"
		child := path + key
		if open == '{' {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key = fmt.Sprint(tok)
			child = joinPath(path, key)
		}
		if err := t.walkChild(dec, child, key); err != nil {
			return err
		}
	}
	if n == 0 {
		t[path].Field.Raw = open.String() + closing(open)
	}
	_, err := dec.Token()
	return err
}

// walkChild reads a member; a key sent twice keeps the last value.
func (t jsonTree) walkChild(dec *json.Decoder, path, key string) error {
	if old := t[path]; old != nil {
		*old = jsonNode{Key: key}
	}
	return t.walk(dec, path, key)
}

// parentOf is the path of the group a member belongs to.
func parentOf(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

func closing(open json.Delim) string {
	if open == '{' {
		return "}"
	}
	return "]"
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldUnit is what a numeric Strava field measures.
type fieldUnit int

const (
	unitNone fieldUnit = iota
	unitDistance
	unitElevation
	unitDuration
	unitSpeed
	unitTemperature
)

// unitOf knows the unit of Strava's numeric fields by their key.
func unitOf(path string) fieldUnit {
	key := path[strings.LastIndex(path, ".")+1:]
	if i := strings.IndexByte(key, '['); i >= 0 {
		key = key[:i]
	}
	switch key {
	case "distance":
		return unitDistance
	case "total_elevation_gain", "elev_high", "elev_low", "elevation_difference", "elevation_high", "elevation_low":
		return unitElevation
	case "moving_time", "elapsed_time":
		return unitDuration
	case "average_speed", "max_speed":
		return unitSpeed
	case "average_temp":
		return unitTemperature
	}
	return unitNone
}

// fieldValue shows a field in the user's units; fields without a unit are
// shown as sent.
func fieldValue(f jsonField, u Units) string {
	if !f.Number {
		return f.Raw
	}
	v, err := strconv.ParseFloat(f.Raw, 64)
	if err != nil {
		return f.Raw
	}
	switch unitOf(f.Path) {
	case unitDistance:
		return formatDistance(v, u)
	case unitElevation:
		return formatElevation(v, u)
	case unitDuration:
		return formatDuration(int(v))
	case unitSpeed:
		return formatSpeed(v, u)
	case unitTemperature:
		return formatTemperature(v, u)
	}
	return f.Raw
}
