package export

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// XML namespaces and schemas of the GPX output.
const (
	gpxNamespace = "http://www.topografix.com/GPX/1/1"
	gpxSchema    = "http://www.topografix.com/GPX/1/1/gpx.xsd"
	tpxNamespace = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
	tpxSchema    = "http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd"
	xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

	// Largest heart rate and cadence TrackPointExtension v1 allows.
	maxHeartrate = 255
	maxCadence   = 254
)

// Track is one activity with its streams.
type Track struct {
	Activity store.Activity
	Streams  strava.Streams
}

// GPX writes a GPX 1.1 document (creator "owtray") with one <trk> per track
// that has a GPS route, in the order given. A track holds the activity's
// <name>, a <link> to it on Strava, its sport_type as <type>, and one
// <trkseg> with a <trkpt lat lon> per sample of the latlng stream, with:
//
//   - <ele>: the altitude stream, in metres;
//   - <time>: start_date plus the time stream's offset, RFC 3339 in UTC;
//   - <extensions><power>: the watts stream, left out where Strava has no
//     reading (null). This is the element Strava's own GPX export writes and
//     tools that read power from GPX expect; being in the GPX namespace, it
//     fails strict validation against gpx.xsd (which wants extensions from
//     other namespaces);
//   - <gpxtpx:TrackPointExtension> (Garmin, v1): gpxtpx:atemp from the
//     temp stream, gpxtpx:hr from heartrate, gpxtpx:cad from cadence.
//
// An element is left out when its stream is missing (for example points have
// no <time> without a time stream). The metadata <time> is the earliest start
// of the exported activities, so the same input gives the same file.
//
// Tracks without a latlng stream (indoor activities, manual entries) are
// skipped and their activity ids returned in skipped; when no track has one
// (or there are none), GPX writes nothing and returns an error wrapping
// ErrNoRoute that names them. Streams that cannot be read, whose lengths
// differ from the latlng stream's, or with a heart rate or cadence GPX cannot
// hold give an error wrapping ErrBadStreams naming the activity, and nothing
// is written.
func GPX(w io.Writer, tracks []Track) (skipped []int64, err error) {
	doc := gpxDoc{
		Version:        "1.1",
		Creator:        "owtray",
		Xmlns:          gpxNamespace,
		XmlnsXSI:       xsiNamespace,
		XmlnsTPX:       tpxNamespace,
		SchemaLocation: gpxNamespace + " " + gpxSchema + " " + tpxNamespace + " " + tpxSchema,
	}
	var first time.Time
	for _, t := range tracks {
		trk, ok, err := gpxTrackOf(t)
		if err != nil {
			return nil, fmt.Errorf("export GPX: %w", err)
		}
		if !ok {
			skipped = append(skipped, t.Activity.ID)
			continue
		}
		doc.Tracks = append(doc.Tracks, trk)
		if s := t.Activity.StartDate; !s.IsZero() && (first.IsZero() || s.Before(first)) {
			first = s
		}
	}
	if len(doc.Tracks) == 0 {
		return skipped, fmt.Errorf("export GPX: %w", noRoute(skipped))
	}
	if !first.IsZero() {
		doc.Metadata = &gpxMetadata{Time: utcTime(first)}
	}
	if err := encodeXML(w, &doc); err != nil {
		return nil, fmt.Errorf("export GPX: %w", err)
	}
	return skipped, nil
}

func encodeXML(w io.Writer, doc *gpxDoc) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// noTrack is an error matching ErrNoRoute with its own message.
type noTrack string

func (e noTrack) Error() string        { return string(e) }
func (e noTrack) Is(target error) bool { return target == ErrNoRoute }

// noRoute is the ErrNoRoute error naming the activities without a route.
func noRoute(ids []int64) error {
	switch len(ids) {
	case 0:
		return fmt.Errorf("%w: no activities to export", ErrNoRoute)
	case 1:
		return noTrack(fmt.Sprintf("this activity has no GPS track (activity %d)", ids[0]))
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return noTrack(fmt.Sprintf("none of the %d activities has a GPS track (%s)", len(ids), strings.Join(s, ", ")))
}

// gpxTrackOf converts one track; ok is false when it has no route.
func gpxTrackOf(t Track) (trk gpxTrack, ok bool, err error) {
	a := &t.Activity
	latlng, err := t.Streams.LatLng()
	if err != nil {
		return gpxTrack{}, false, fmt.Errorf("activity %d: %w: %w", a.ID, ErrBadStreams, err)
	}
	if len(latlng) == 0 {
		return gpxTrack{}, false, nil
	}
	x, err := readSamples(t.Streams, latlng)
	if err != nil {
		return gpxTrack{}, false, fmt.Errorf("activity %d: %w: %w", a.ID, ErrBadStreams, err)
	}
	if x.time != nil && a.StartDate.IsZero() {
		return gpxTrack{}, false, fmt.Errorf("activity %d: %w: no start_date for the time stream", a.ID, ErrBadActivity)
	}
	trk = gpxTrack{
		Name: a.Name,
		Link: &gpxLink{Href: "https://www.strava.com/activities/" + strconv.FormatInt(a.ID, 10)},
		Type: a.SportType,
	}
	trk.Segment.Points = make([]gpxPoint, len(x.latlng))
	for i := range x.latlng {
		trk.Segment.Points[i] = x.point(i, a.StartDate)
	}
	return trk, true, nil
}

// samples are the streams GPX uses, decoded; a missing stream is nil.
type samples struct {
	latlng                   [][2]float64
	time                     []int
	altitude                 []float64
	heartrate, cadence, temp []int
	watts                    []strava.NullInt
}

// readSamples decodes the other streams of a route and checks that every
// one present has as many samples as latlng and holds values GPX can
// represent.
func readSamples(s strava.Streams, latlng [][2]float64) (samples, error) {
	x := samples{latlng: latlng}
	var errs [6]error
	x.time, errs[0] = s.Time()
	x.altitude, errs[1] = s.Altitude()
	x.heartrate, errs[2] = s.Heartrate()
	x.cadence, errs[3] = s.Cadence()
	x.temp, errs[4] = s.Temp()
	x.watts, errs[5] = s.Watts()
	if err := errors.Join(errs[:]...); err != nil {
		return samples{}, err
	}
	n := len(x.latlng)
	for _, c := range []struct {
		key string
		len int
	}{
		{strava.StreamTime, len(x.time)},
		{strava.StreamAltitude, len(x.altitude)},
		{strava.StreamHeartrate, len(x.heartrate)},
		{strava.StreamCadence, len(x.cadence)},
		{strava.StreamTemp, len(x.temp)},
		{strava.StreamWatts, len(x.watts)},
	} {
		if s.Has(c.key) && c.len != n {
			return samples{}, fmt.Errorf("stream %s has %d samples, latlng has %d", c.key, c.len, n)
		}
	}
	return x, errors.Join(
		checkRange(strava.StreamHeartrate, x.heartrate, maxHeartrate),
		checkRange(strava.StreamCadence, x.cadence, maxCadence))
}

// checkRange checks that every sample is in 0..max.
func checkRange(key string, v []int, max int) error {
	for i, n := range v {
		if n < 0 || n > max {
			return fmt.Errorf("stream %s: element %d is %d, GPX allows 0 to %d", key, i, n, max)
		}
	}
	return nil
}

// point is sample i as a GPX track point; start is the activity's start_date.
func (x samples) point(i int, start time.Time) gpxPoint {
	p := gpxPoint{Lat: number(x.latlng[i][0]), Lon: number(x.latlng[i][1])}
	if x.altitude != nil {
		p.Ele = number(x.altitude[i])
	}
	if x.time != nil {
		p.Time = utcTime(start.Add(time.Duration(x.time[i]) * time.Second))
	}
	var ext gpxExtensions
	if x.watts != nil && x.watts[i].Valid {
		ext.Power = strconv.Itoa(x.watts[i].Value)
	}
	var tpx gpxTPX
	if x.temp != nil {
		tpx.ATemp = strconv.Itoa(x.temp[i])
	}
	if x.heartrate != nil {
		tpx.HR = strconv.Itoa(x.heartrate[i])
	}
	if x.cadence != nil {
		tpx.Cad = strconv.Itoa(x.cadence[i])
	}
	if tpx != (gpxTPX{}) {
		ext.TPX = &tpx
	}
	if ext != (gpxExtensions{}) {
		p.Ext = &ext
	}
	return p
}

// The GPX 1.1 document. Numbers are preformatted strings: encoding/xml
// would write small or large floats with an exponent, which xsd:decimal
// (lat, lon, ele) does not allow. Element order follows the schemas.
type gpxDoc struct {
	XMLName        xml.Name     `xml:"gpx"`
	Version        string       `xml:"version,attr"`
	Creator        string       `xml:"creator,attr"`
	Xmlns          string       `xml:"xmlns,attr"`
	XmlnsXSI       string       `xml:"xmlns:xsi,attr"`
	XmlnsTPX       string       `xml:"xmlns:gpxtpx,attr"`
	SchemaLocation string       `xml:"xsi:schemaLocation,attr"`
	Metadata       *gpxMetadata `xml:"metadata"`
	Tracks         []gpxTrack   `xml:"trk"`
}

type gpxMetadata struct {
	Time string `xml:"time"`
}

type gpxTrack struct {
	Name    string   `xml:"name"`
	Link    *gpxLink `xml:"link"`
	Type    string   `xml:"type,omitempty"`
	Segment struct {
		Points []gpxPoint `xml:"trkpt"`
	} `xml:"trkseg"`
}

type gpxLink struct {
	Href string `xml:"href,attr"`
}

type gpxPoint struct {
	Lat  string         `xml:"lat,attr"`
	Lon  string         `xml:"lon,attr"`
	Ele  string         `xml:"ele,omitempty"`
	Time string         `xml:"time,omitempty"`
	Ext  *gpxExtensions `xml:"extensions"`
}

type gpxExtensions struct {
	Power string  `xml:"power,omitempty"`
	TPX   *gpxTPX `xml:"gpxtpx:TrackPointExtension"`
}

type gpxTPX struct {
	ATemp string `xml:"gpxtpx:atemp,omitempty"`
	HR    string `xml:"gpxtpx:hr,omitempty"`
	Cad   string `xml:"gpxtpx:cad,omitempty"`
}
