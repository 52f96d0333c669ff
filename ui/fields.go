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

// flattenJSON lists every leaf of a JSON document in the order Strava sent
// it, nested objects and arrays flattened into paths. Empty objects and
// arrays are kept as "{}" and "[]" so nothing is hidden. On malformed JSON
// it returns the leaves read so far and the error.
func flattenJSON(data []byte) ([]jsonField, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []jsonField
	if err := walkJSON(dec, "", &out); err != nil {
		return out, fmt.Errorf("reading Strava's JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return out, errors.New("reading Strava's JSON: unexpected data after the end")
	}
	return out, nil
}

func walkJSON(dec *json.Decoder, path string, out *[]jsonField) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		return walkContainer(dec, t, path, out)
	case json.Number:
		*out = append(*out, jsonField{Path: path, Raw: t.String(), Number: true})
	case string:
		*out = append(*out, jsonField{Path: path, Raw: t})
	case bool:
		*out = append(*out, jsonField{Path: path, Raw: strconv.FormatBool(t)})
	default: // nil
		*out = append(*out, jsonField{Path: path, Raw: "null"})
	}
	return nil
}

// walkContainer walks the members of an object or array whose opening
// delimiter has been read, and its closing delimiter.
func walkContainer(dec *json.Decoder, open json.Delim, path string, out *[]jsonField) error {
	n := 0
	for ; dec.More(); n++ {
		child := path + "[" + strconv.Itoa(n) + "]"
		if open == '{' {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			child = joinPath(path, fmt.Sprint(key))
		}
		if err := walkJSON(dec, child, out); err != nil {
			return err
		}
	}
	if n == 0 {
		*out = append(*out, jsonField{Path: path, Raw: open.String() + closing(open)})
	}
	_, err := dec.Token()
	return err
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
